"""Pages of a school's staff: « Je suis un établissement » → « Créer un compte » (a head of school
or a teacher of a school of the directory), « Équipe » (the head confirms or refuses its
teachers) and « Classes et élèves » (the school's pupils by class, each with where they stand).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from werkzeug.wrappers import Response

from gateway.account_pages import SIGNUP_LABELS
from gateway.application_pages import GRADE_LABELS, ListedApplications, positive_int
from gateway.error_statuses import is_server_side, status_of
from gateway.page_routing import FormErrors, Page, page
from gateway.school_picker import NO_SCHOOL_CHOSEN, sign_up_with_school, signup_page_with_school
from gateway.school_staff_routes import pupils_with_stages
from services.common.errors import DomainError

STAFF = {"roles": ("school_manager", "teacher"), "login_path": "/etablissement/connexion"}
HEAD = {"roles": ("school_manager",), "login_path": "/etablissement/connexion"}
SIGNUP_PATH = "/etablissement/inscription"
TEAM_PATH = "/etablissement/equipe"
PUPILS_PATH = "/etablissement/eleves"
STAFF_ROLES = [("school_manager", "Chef d'établissement"), ("teacher", "Professeur")]
STAFF_SIGNUP_LABELS = {
    **SIGNUP_LABELS,
    "role": "Vous êtes",
    "school_uai": "Votre établissement",
    "class_name": "Vos classes (professeurs)",
}
# A staff member's status as the head reads it, and the colour of its DSFR badge.
STAFF_STATUSES = {
    "pending": ("en attente de votre confirmation", "new"),
    "confirmed": ("confirmé", "success"),
    "refused": ("refusé", "error"),
}
DECISIONS = {
    "confirm": "{name} est confirmé : il voit désormais les élèves de l'établissement.",
    "refuse": "{name} est refusé : il ne voit pas les élèves de l'établissement.",
}
# Where a pupil stands (conventions' pupil_stages), in words and as a DSFR badge.
PUPIL_STAGES = {
    "no_application": ("aucune candidature", "warning"),
    "application_sent": ("candidature envoyée", "new"),
    "internship_accepted": ("stage accepté", "info"),
    "convention_to_fill": ("convention à remplir", "info"),
    "convention_to_sign": ("convention à signer", "info"),
    "convention_signed": ("convention signée", "success"),
}
NO_CLASS = "Classe non renseignée"
# The list a school's staff exports: every application of the school's pupils (the API's
# school scope), the page having no filter of its own.
SCHOOL_APPLICATIONS = ListedApplications(offer_id=None, status="", page=1)


def classes_of(pupils: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The school's pupils (with their ``stage``) grouped by class in identity's order, with
    their stage's words: ``[{name, rows: [{name, grade, stage, label, badge, convention_id}], signed}]``."""
    classes: dict[str, dict[str, Any]] = {}
    for pupil in pupils:
        label, badge = PUPIL_STAGES[pupil["stage"]]
        name = pupil["class_name"] or NO_CLASS
        group = classes.setdefault(name, {"name": name, "rows": [], "signed": 0})
        group["rows"].append(
            {
                "name": f"{pupil['first_name']} {pupil['last_name']}",
                "grade": GRADE_LABELS.get(pupil["grade"] or "", "Non renseigné"),
                "stage": pupil["stage"],
                "label": label,
                "badge": badge,
                "convention_id": pupil["convention_id"],
            }
        )
        group["signed"] += pupil["stage"] == "convention_signed"
    return list(classes.values())


class SchoolStaffPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    identity: Any
    matching: Any
    conventions: Any

    # -- Créer un compte — établissement --------------------------------------------------------

    @page("GET,POST", SIGNUP_PATH, "Créer un compte d'établissement (chef d'établissement ou professeur)")
    def staff_signup_page(self, current: Page) -> Response:
        return signup_page_with_school(
            current,
            self.matching,
            ("first_name", "last_name", "email", "role", "school_query", "school_uai", "class_name"),
            "schools/signup.html",
            STAFF_SIGNUP_LABELS,
            self._sign_staff_up,
            roles=STAFF_ROLES,
        )

    def _sign_staff_up(self, current: Page, values: dict[str, str]) -> FormErrors:
        if values["role"] not in dict(STAFF_ROLES):
            # Nothing is created without knowing who signs up; the other fields are checked then.
            errors = FormErrors()
            errors.add("role", "Indiquez si vous êtes chef d'établissement ou professeur.")
            if not values["school_uai"]:
                errors.add("school_uai", NO_SCHOOL_CHOSEN)
            return errors
        # A head follows every class; a teacher the classes they name (all when none).
        classes = values["class_name"].strip() if values["role"] == "teacher" else ""
        return sign_up_with_school(self.identity, current, values, values["role"], class_name=classes or None)

    # -- Équipe (chef d'établissement) -----------------------------------------------------------

    @page("GET,POST", TEAM_PATH, "Équipe de l'établissement : confirmer ou refuser ses professeurs", **HEAD)
    def school_team_page(self, current: Page) -> Response:
        if current.method == "POST":
            decision = current.form.get("action") or ""
            user_id = positive_int(current.form.get("user_id"))
            if decision not in DECISIONS or user_id is None:
                return current.redirect(TEAM_PATH, "Action inconnue.", kind="error")
            try:
                member = self.identity.decide_school_staff(current.actor, user_id, decision)
            except DomainError as exc:
                if is_server_side(exc) or status_of(exc) == 403:
                    raise
                return current.redirect(TEAM_PATH, exc.message, kind="error")
            name = f"{member['first_name']} {member['last_name']}"
            return current.redirect(TEAM_PATH, DECISIONS[decision].format(name=name))
        members = self.identity.school_staff_members(current.actor)
        rows = [
            {
                **member,
                "name": f"{member['first_name']} {member['last_name']}",
                "role_label": dict(STAFF_ROLES)[member["role"]],
                "status_label": STAFF_STATUSES[member["status"]][0],
                "badge": STAFF_STATUSES[member["status"]][1],
                "is_teacher": member["role"] == "teacher",
            }
            for member in members
        ]
        pending = sum(1 for row in rows if row["is_teacher"] and row["status"] == "pending")
        return current.render("schools/team.html", rows=rows, pending=pending)

    # -- Classes et élèves ---------------------------------------------------------------------

    @page("GET", PUPILS_PATH, "Classes et élèves de l'établissement, où en est chacun", **STAFF)
    def school_pupils_page(self, current: Page) -> Response:
        actor = current.actor
        assert actor is not None
        if actor["role"] == "teacher" and actor.get("school_confirmed") is not True:
            # The layout says why; the page shows no pupil.
            return current.render("schools/pupils.html", classes=[], total=0, waiting=True)
        pupils = pupils_with_stages(self.identity, self.conventions, actor)
        return current.render(
            "schools/pupils.html",
            classes=classes_of(pupils),
            total=len(pupils),
            waiting=False,
            exports=SCHOOL_APPLICATIONS.exports(),
        )
