"""nameko glue of the service: the configured transports, and sending once the transaction committed."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from nameko.extensions import DependencyProvider

from services.common.config import Settings
from services.notifications import dispatch
from services.notifications.mail import mail_sender_from_settings
from services.notifications.sms import sms_sender_from_settings


@dataclass(frozen=True)
class Post:
    """What a worker gets: where emailed links point, and the transports."""

    public_url: str
    senders: dispatch.Senders


class Postman(DependencyProvider):
    """Builds the transports once per container from the environment (SMTP_URL, SMS_PROVIDER_URL)."""

    def setup(self) -> None:
        settings = Settings.from_env()
        self.post = Post(
            public_url=settings.public_url,
            senders=dispatch.Senders(mail=mail_sender_from_settings(settings), sms=sms_sender_from_settings(settings)),
        )

    def get_dependency(self, worker_ctx: Any) -> Post:
        return self.post


def send_after_commit(handler: Callable[..., Iterable[int] | None]) -> Callable[..., None]:
    """Send the deliveries that ``handler`` returns once its transaction has committed.

    Put it above ``once_per_event``, whose transaction is committed when it returns: an
    email never leaves for a change that rolled back, and a redelivered event (for which
    ``once_per_event`` returns None) sends nothing. The service needs ``db`` and ``post``.
    """

    @functools.wraps(handler)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        delivery_ids = handler(self, *args, **kwargs)
        if delivery_ids:
            dispatch.send_deliveries(self.db.transaction, self.post.senders, delivery_ids)

    return wrapper
