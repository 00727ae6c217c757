"""Pages of the host's offers (the tutorial's step 2, « Je dépose une offre »): « Mes offres »,
the four-step form that writes a draft, the preview « telle que la verront les élèves » and
the actions on an offer (publish, hide, duplicate, edit, delete).

Every step posts back to itself and saves what was typed into the draft before checking
it, so nothing typed is lost; the pages read the draft from the offers service on every
GET (a reload, the browser's back button show what was saved).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urlencode

from werkzeug.wrappers import Response

from gateway import offer_form, web_session
from gateway.application_pages import phone_text, positive_int
from gateway.error_statuses import status_of
from gateway.offer_form import STEP_TITLES, STEPS, Step
from gateway.page_routing import FORM_SUMMARY, FormErrors, Page, page, safe_next
from services.common.contracts.offers import UPDATE_REASON_LABELS
from services.common.errors import DomainError, not_found
from services.common.school_calendar import today_in_paris
from services.common.sectors import BY_CODE

HOST = {"roles": ("employer",), "login_path": "/offreur/connexion"}
MY_OFFERS = "/mon-espace/offres"
PER_PAGE = 20
SCHOOL_RESULTS = 10
# The errors the last step's submission found in an earlier step travel to that step's page
# (a redirect) in this short-lived cookie, scoped to the draft's pages.
CHECK_COOKIE = "e1s_offer_check"


def _draft_url(draft_id: int, step: Step) -> str:
    return f"{MY_OFFERS}/brouillons/{draft_id}/{step.slug}"


def _offer_url(offer_id: int) -> str:
    return f"{MY_OFFERS}/{offer_id}"


def _status(offer: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """The offer's status label and DSFR badge kind, and why it is « à mettre à jour » (French)
    when the review pass marked it: that status then comes before any other."""
    if offer.get("need_to_be_updated"):
        return "à mettre à jour", "error", UPDATE_REASON_LABELS.get(offer.get("update_reason") or "")
    status, badge = offer_form.offer_status(offer)
    return status, badge, None


def _client_error(exc: DomainError) -> bool:
    return status_of(exc) < 500


class OfferPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    offers: Any
    identity: Any
    matching: Any
    conventions: Any
    lookups: Any

    # -- Mes offres --------------------------------------------------------------------------

    @page("GET", MY_OFFERS, "Mes offres : les offres et les brouillons de l'équipe, par espace", **HOST)
    def my_offers_page(self, current: Page) -> Response:
        actor = current.actor
        page_number = positive_int(current.args.get("page")) or 1
        # Three questions that do not depend on each other: asked at once, answered in one wait.
        listing_reply = self.offers.list_offers.call_async(actor, None, None, page_number, PER_PAGE)
        team_reply = self.identity.get_team.call_async(actor)
        drafts_reply = self.offers.list_offer_drafts.call_async(actor)
        listing = listing_reply.result()
        spaces = team_reply.result()["spaces"]
        drafts = [draft for draft in drafts_reply.result() if draft.get("offer_id") is None]
        offers = listing["results"]
        counts = self.conventions.application_counts(actor, [offer["id"] for offer in offers]) if offers else {}
        default_space = next((space["id"] for space in spaces if space["is_default"]), None)
        groups: dict[int | None, dict[str, list[Any]]] = {space["id"]: {"offers": [], "drafts": []} for space in spaces}

        def group_of(space_id: Any) -> dict[str, list[Any]]:
            return groups.get(space_id) or groups.setdefault(default_space, {"offers": [], "drafts": []})

        if page_number == 1:
            for draft in drafts:
                group_of(draft["content"].get("space_id")).setdefault("drafts", []).append(draft)
        # The offers to update come first (the listing's order), each with its reason.
        for offer in offers:
            status, badge, reason = _status(offer)
            applications = counts.get(str(offer["id"])) or {}
            group_of(offer["space_id"])["offers"].append(
                {
                    **offer,
                    "status_label": status,
                    "status_badge": badge,
                    "update_label": reason,
                    "applications": applications,
                }
            )
        sections = [
            {"space": space, **groups[space["id"]]}
            for space in spaces
            if groups[space["id"]]["offers"] or groups[space["id"]]["drafts"]
        ]
        pages = max(1, -(-listing["total"] // PER_PAGE))
        return current.render(
            "offers/my_offers.html",
            sections=sections,
            several_spaces=len(spaces) > 1,
            empty=not offers and not drafts and page_number == 1,
            page_number=page_number,
            pages=pages,
        )

    @page("POST", MY_OFFERS + "/nouvelle", "« + Publier une offre » : un brouillon, ouvert à sa première étape", **HOST)
    def new_offer_page(self, current: Page) -> Response:
        draft = self.offers.save_offer_draft(current.actor, None, {})
        return current.redirect(_draft_url(draft["id"], STEPS[0]))

    # -- the four steps ----------------------------------------------------------------------

    @page(
        "GET,POST",
        MY_OFFERS + "/brouillons/<int:draft_id>/<step>",
        "Déposer une offre : une étape du formulaire (Offre, Structure, Élèves et dates, Égalité des chances)",
        **HOST,
    )
    def offer_step_page(self, current: Page) -> Response:
        draft_id = current.call.path["draft_id"]
        step = offer_form.step_named(current.call.path["step"])
        if step is None:
            raise not_found("Cette page n'existe pas.")
        draft = self.offers.get_offer_draft(current.actor, draft_id)
        if current.method == "GET":
            errors = self._recalled_errors(current, draft_id, step)
            return self._render_step(current, draft, step, draft["content"], errors)
        return self._save_step(current, draft, step)

    def _save_step(self, current: Page, draft: dict[str, Any], step: Step) -> Response:
        form = current.form
        action = form.get("action") or ("remove_school" if form.get("remove_school") else "next")
        content = offer_form.read_step(step, form, draft["content"])
        place_error: str | None = None
        if step.slug == "offre" and offer_form.needs_location(content):
            try:
                coordinates = self._locate(content)
            except DomainError as exc:
                if exc.code != "SERVICE_UNAVAILABLE":
                    raise
                # The address index is still being built (the gateway's first seconds): what the
                # host typed is saved all the same, and the step asks to send it again.
                coordinates, place_error = None, offer_form.PLACE_LOOKUP_UNAVAILABLE
            else:
                place_error = None if coordinates is not None else offer_form.PLACE_NOT_FOUND
            if coordinates is not None:
                content = offer_form.with_location(content, *coordinates)
        draft = self.offers.save_offer_draft(current.actor, draft["id"], content)
        content = draft["content"]
        here = _draft_url(draft["id"], step)
        if action == "previous":
            before = offer_form.previous_step(step)
            if before is None:
                return current.redirect(MY_OFFERS, "Votre brouillon est enregistré.", kind="info")
            return current.redirect(_draft_url(draft["id"], before))
        if action == "search":
            query = (form.get("school_query") or "").strip()
            return current.redirect(f"{here}?{urlencode({'ecole': query})}#f-school-query")
        if action == "remove_school":
            return current.redirect(here + "#f-reserved-for-school-uais")
        errors = offer_form.validate_step(step, content, one_school=bool(form.get("reserved_for.one_school")))
        if place_error is not None:
            # validate_step says « introuvable » of any address without coordinates: replaced by
            # why this one has none.
            others = [message for message in errors.get("place.street", []) if message != offer_form.PLACE_NOT_FOUND]
            errors["place.street"] = [*others, place_error]
        if errors:
            return self._render_step(current, draft, step, content, FormErrors(FORM_SUMMARY, errors), status=422)
        following = offer_form.next_step(step)
        if following is not None:
            return current.redirect(_draft_url(draft["id"], following))
        return self._submit(current, draft, step)

    def _locate(self, content: Mapping[str, Any]) -> tuple[float, float] | None:
        """The place's coordinates from its typed address (no JavaScript, or no suggestion chosen)."""
        place = content["place"]
        address = self.lookups.addresses.locate(place["street"], place["zipcode"], place["city"])
        if address is None:
            return None
        return float(address.latitude), float(address.longitude)

    def _submit(self, current: Page, draft: dict[str, Any], step: Step) -> Response:
        editing = draft.get("offer_id") is not None
        try:
            offer = self.offers.submit_offer_draft(current.actor, draft["id"])
        except DomainError as exc:
            if exc.code != "VALIDATION_ERROR":
                raise
            errors = offer_form.displayable(exc.fields or {"body": [exc.message]})
            first = offer_form.first_step_with_errors(errors) or step
            shown = FormErrors(FORM_SUMMARY, offer_form.errors_of_step(first, errors))
            if first is step:
                return self._render_step(current, draft, step, draft["content"], shown, status=422)
            self._remember_errors(current, draft["id"], first, shown)
            return current.redirect(_draft_url(draft["id"], first))
        if editing:
            flash = "Votre offre est modifiée."
        else:
            flash = "Votre offre est enregistrée : vérifiez-la telle que la verront les élèves, puis publiez-la."
        return current.redirect(_offer_url(offer["id"]), flash)

    def _render_step(
        self,
        current: Page,
        draft: dict[str, Any],
        step: Step,
        content: Mapping[str, Any],
        errors: FormErrors,
        status: int = 200,
    ) -> Response:
        values = offer_form.form_values(content)
        context: dict[str, Any] = {}
        if step.slug == "offre":
            spaces = self.identity.get_team(current.actor)["spaces"]
            # One space needs no choice, unless what the draft names is refused.
            choose = len(spaces) > 1 or "space_id" in errors
            context["spaces"] = [(str(space["id"]), space["name"]) for space in spaces] if choose else []
            if not values["space_id"]:
                values["space_id"] = next((str(space["id"]) for space in spaces if space["is_default"]), "")
            context["sectors"] = offer_form.SECTOR_OPTIONS
        elif step.slug == "structure":
            context["ministries"] = offer_form.MINISTRY_OPTIONS
        elif step.slug == "eleves-et-dates":
            today = today_in_paris()
            highlighted: list[dict[str, Any]] = []
            place = content.get("place") or {}
            if place.get("latitude") is not None and place.get("longitude") is not None:
                highlighted = self.matching.highlighted_weeks(place["latitude"], place["longitude"])
            context["weeks"] = offer_form.week_choices(today, highlighted)
            context["seconde_choices"] = offer_form.seconde_choices(today)
        elif step.slug == "egalite-des-chances":
            context.update(self._school_picker(current, values, errors))
        number = offer_form.step_number(step)
        return current.render(
            f"offers/step_{step.slug.replace('-', '_')}.html",
            status=status,
            draft=draft,
            editing=draft.get("offer_id") is not None,
            step=step,
            step_number=number,
            step_titles=STEP_TITLES,
            values=values,
            errors=errors,
            labels=offer_form.LABELS,
            day_times=offer_form.DAY_TIMES,
            day_names=offer_form.DAY_NAMES,
            **context,
        )

    def _school_picker(self, current: Page, values: dict[str, Any], errors: FormErrors) -> dict[str, Any]:
        """The chosen schools (named), and the results of a search made without JavaScript."""
        chosen = self._schools_named(values["reserved_for.school_uais"])
        query = current.args.get("ecole")
        results: list[dict[str, Any]] = []
        if query:
            found = self.matching.search_schools(query.strip()[:100], None, None, SCHOOL_RESULTS, 1)
            taken = set(values["reserved_for.school_uais"])
            results = [school for school in found["results"] if school["uai"] not in taken]
        one_school = bool(chosen) or query is not None or "reserved_for.school_uais" in errors
        if current.method == "POST":
            one_school = one_school or bool(current.form.get("reserved_for.one_school"))
        return {
            "chosen_schools": chosen,
            "school_query": query or "",
            "school_results": results,
            "one_school": one_school,
        }

    def _schools_named(self, uais: list[str]) -> list[dict[str, Any]]:
        """The schools of these UAIs from the directory (an unknown one named by its UAI)."""
        schools = []
        for uai in uais:
            try:
                schools.append(self.matching.get_school(uai))
            except DomainError as exc:
                if not _client_error(exc):
                    raise
                schools.append({"uai": uai, "name": uai, "city": ""})
        return schools

    def _remember_errors(self, current: Page, draft_id: int, step: Step, errors: FormErrors) -> None:
        value = quote(json.dumps({"step": step.slug, "message": errors.message, "fields": dict(errors)}))
        path = f"{MY_OFFERS}/brouillons/{draft_id}"
        current.on_response(
            lambda response: web_session.set_private_cookie(response, CHECK_COOKIE, value[:3500], 60, path=path)
        )

    def _recalled_errors(self, current: Page, draft_id: int, step: Step) -> FormErrors:
        raw = current.request.cookies.get(CHECK_COOKIE)
        if not raw:
            return FormErrors()
        path = f"{MY_OFFERS}/brouillons/{draft_id}"
        current.on_response(lambda response: response.delete_cookie(CHECK_COOKIE, path=path))
        try:
            saved = json.loads(unquote(raw))
        except ValueError:
            return FormErrors()
        if not isinstance(saved, dict) or saved.get("step") != step.slug or not isinstance(saved.get("fields"), dict):
            return FormErrors()
        fields = {
            str(path): [str(message) for message in messages]
            for path, messages in saved["fields"].items()
            if isinstance(messages, list)
        }
        return FormErrors(str(saved.get("message") or FORM_SUMMARY), fields)

    @page(
        "GET,POST",
        MY_OFFERS + "/brouillons/<int:draft_id>/supprimer",
        "Supprimer un brouillon (page de confirmation sans JavaScript)",
        **HOST,
    )
    def delete_draft_page(self, current: Page) -> Response:
        draft_id = current.call.path["draft_id"]
        draft = self.offers.get_offer_draft(current.actor, draft_id)
        if current.method == "POST":
            self.offers.delete_offer_draft(current.actor, draft_id)
            return current.redirect(MY_OFFERS, "Le brouillon est supprimé.")
        title = draft["content"].get("title") or "Offre sans titre"
        return current.render(
            "offers/confirm_delete.html", title=title, action=current.request.path, back=MY_OFFERS, is_draft=True
        )

    # -- an offer: its preview and the actions on it -----------------------------------------

    @page("GET", MY_OFFERS + "/<int:offer_id>", "Aperçu d'une offre telle que la verront les élèves", **HOST)
    def offer_preview_page(self, current: Page) -> Response:
        offer_id = current.call.path["offer_id"]
        offer_reply = self.offers.get_offer.call_async(current.actor, offer_id)
        preview = self.offers.preview_offer(current.actor, offer_id)
        offer = offer_reply.result()
        status, badge, reason = _status(offer)
        sector = BY_CODE.get(preview["sector"])
        reserved = preview["reserved_for"]
        uais = reserved.get("school_uais") or ([reserved["school_uai"]] if reserved.get("school_uai") else [])
        return current.render(
            "offers/preview.html",
            offer=offer,
            preview=preview,
            status_label=status,
            status_badge=badge,
            update_label=reason,
            sector_name=sector.name if sector else preview["sector"],
            weeks=offer_form.college_week_labels(preview["college_weeks"]),
            college_grades=offer_form.college_grades_label(preview["grades"]),
            reserved_schools=self._schools_named(uais),
            day_names=offer_form.DAY_NAMES,
            contact_phone=phone_text(offer.get("contact_phone")),
        )

    def _back(self, current: Page, offer_id: int) -> str:
        return safe_next(current.form.get("suite"), _offer_url(offer_id))

    @page("POST", MY_OFFERS + "/<int:offer_id>/publier", "Publier une offre", **HOST)
    def publish_offer_page(self, current: Page) -> Response:
        offer_id = current.call.path["offer_id"]
        try:
            self.offers.publish_offer(current.actor, offer_id)
        except DomainError as exc:
            if not _client_error(exc) or status_of(exc) == 404:
                raise
            return current.redirect(self._back(current, offer_id), _reason(exc), kind="error")
        return current.redirect(self._back(current, offer_id), "Votre offre est publiée : les élèves peuvent la voir.")

    @page("POST", MY_OFFERS + "/<int:offer_id>/masquer", "Masquer une offre (les élèves ne la voient plus)", **HOST)
    def unpublish_offer_page(self, current: Page) -> Response:
        offer_id = current.call.path["offer_id"]
        try:
            self.offers.unpublish_offer(current.actor, offer_id)
        except DomainError as exc:
            if not _client_error(exc) or status_of(exc) == 404:
                raise
            return current.redirect(self._back(current, offer_id), exc.message, kind="error")
        return current.redirect(
            self._back(current, offer_id), "Votre offre est masquée : les élèves ne la voient plus."
        )

    @page("POST", MY_OFFERS + "/<int:offer_id>/dupliquer", "Dupliquer une offre", **HOST)
    def duplicate_offer_page(self, current: Page) -> Response:
        copy = self.offers.duplicate_offer(current.actor, current.call.path["offer_id"])
        return current.redirect(
            _offer_url(copy["id"]),
            "Votre offre est dupliquée : voici la copie, non publiée. Modifiez-la puis publiez-la.",
        )

    @page("POST", MY_OFFERS + "/<int:offer_id>/modifier", "Modifier une offre : ses quatre étapes", **HOST)
    def edit_offer_page(self, current: Page) -> Response:
        offer_id = current.call.path["offer_id"]
        self.offers.get_offer(current.actor, offer_id)  # 404 before anything when it is not the team's
        pending = [draft for draft in self.offers.list_offer_drafts(current.actor) if draft.get("offer_id") == offer_id]
        draft = pending[0] if pending else self.offers.save_offer_draft(current.actor, None, {}, offer_id)
        return current.redirect(_draft_url(draft["id"], STEPS[0]))

    @page(
        "GET,POST",
        MY_OFFERS + "/<int:offer_id>/supprimer",
        "Supprimer une offre (page de confirmation sans JavaScript)",
        **HOST,
    )
    def delete_offer_page(self, current: Page) -> Response:
        offer_id = current.call.path["offer_id"]
        offer = self.offers.get_offer(current.actor, offer_id)
        if current.method == "POST":
            try:
                self.offers.delete_offer(current.actor, offer_id)
            except DomainError as exc:
                if not _client_error(exc) or status_of(exc) == 404:
                    raise
                return current.redirect(_offer_url(offer_id), exc.message, kind="error")
            return current.redirect(MY_OFFERS, f"L'offre « {offer['title']} » est supprimée.")
        return current.render(
            "offers/confirm_delete.html",
            title=offer["title"],
            action=current.request.path,
            back=_offer_url(offer_id),
            is_draft=False,
        )


def _reason(exc: DomainError) -> str:
    """Why publishing was refused, in one sentence (the fields' messages when it is the content)."""
    if exc.fields:
        details = " ".join(message for messages in exc.fields.values() for message in messages)
        return f"Votre offre ne peut pas être publiée : {details} Modifiez-la puis publiez-la."
    return exc.message
