"""The deployed platforms run quorum queues (``AMQP_QUEUE_TYPE``, issue 14): the Kubernetes
trees on their three-node RabbitMQ cluster, and docker compose as production does."""

import pytest

from services.common import broker
from services.common.config import PROCESSES
from tests.deploy.test_manifests import TREES, compose, container_of, deployments, environment

pytestmark = pytest.mark.deploy


@pytest.mark.parametrize("tree", TREES)
@pytest.mark.parametrize("name", PROCESSES)
def test_kubernetes_processes_declare_quorum_queues(tree, name, monkeypatch):
    value = environment(tree, container_of(deployments(tree)[name]))["AMQP_QUEUE_TYPE"]
    monkeypatch.setenv("AMQP_QUEUE_TYPE", value)
    assert broker.queue_type() == "quorum"


@pytest.mark.parametrize("name", PROCESSES)
def test_compose_processes_declare_quorum_queues(name, monkeypatch):
    monkeypatch.setenv("AMQP_QUEUE_TYPE", compose()["services"][name]["environment"]["AMQP_QUEUE_TYPE"])
    assert broker.queue_type() == "quorum"
