"""The offer form's plain part: steps, a submitted step into the draft and back, each step's checks."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from gateway import offer_form
from gateway.offer_form import STEPS, step_named
from services.common.school_calendar import SchoolYear, Week
from tests.support.offers import offer_body

pytestmark = pytest.mark.unit

OFFER, STRUCTURE, PUPILS, EQUAL = STEPS
SEPTEMBER = date(2026, 9, 9)  # a Wednesday of the 2026-2027 school year


def form(*pairs: tuple[str, str]) -> MultiDict[str, str]:
    return MultiDict(list(pairs))


def whole_offer() -> dict:
    body = offer_body(today=SEPTEMBER)
    body["reserved_for"] = {"rep": False, "qpv": False, "school_uais": []}
    del body["employer"]["description"], body["employer"]["website"]
    return body


def test_steps_have_their_addresses_titles_and_order():
    assert [step.slug for step in STEPS] == ["offre", "structure", "eleves-et-dates", "egalite-des-chances"]
    assert offer_form.STEP_TITLES == ["Offre", "Structure", "Élèves et dates", "Égalité des chances"]
    assert step_named("structure") is STRUCTURE and step_named("autre") is None
    assert offer_form.next_step(OFFER) is STRUCTURE and offer_form.next_step(EQUAL) is None
    assert offer_form.previous_step(OFFER) is None and offer_form.previous_step(PUPILS) is STRUCTURE
    assert offer_form.step_number(EQUAL) == 4


@pytest.mark.parametrize(
    ("path", "slug"),
    [
        ("title", "offre"),
        ("place.zipcode", "offre"),
        ("space_id", "offre"),
        ("employer.siret", "structure"),
        ("workspace_accessibility", "structure"),
        ("daily_hours.lundi", "eleves-et-dates"),
        ("college_weeks", "eleves-et-dates"),
        ("reserved_for.school_uais", "egalite-des-chances"),
        ("body", "egalite-des-chances"),
    ],
)
def test_each_field_path_belongs_to_one_step(path, slug):
    assert offer_form.step_of_path(path).slug == slug


def test_the_first_step_becomes_the_drafts_title_description_sector_and_place():
    submitted = form(
        ("title", "  Boulangerie  "),
        ("description", "Pétrir, cuire, vendre."),
        ("sector", "s12"),
        ("place.street", "12 rue d'Austerlitz"),
        ("place.zipcode", "69004"),
        ("place.city", "Lyon"),
        ("place.latitude", "45.774"),
        ("place.longitude", "4.832"),
        ("space_id", "7"),
    )
    content = offer_form.read_step(OFFER, submitted, {"employer": {"name": "Kept"}})
    assert content == {
        "employer": {"name": "Kept"},
        "title": "Boulangerie",
        "description": "Pétrir, cuire, vendre.",
        "sector": "s12",
        "place": {
            "street": "12 rue d'Austerlitz",
            "zipcode": "69004",
            "city": "Lyon",
            "latitude": 45.774,
            "longitude": 4.832,
        },
        "space_id": 7,
    }
    values = offer_form.form_values(content)
    assert (values["title"], values["place.city"], values["place.latitude"], values["space_id"]) == (
        "Boulangerie",
        "Lyon",
        "45.774",
        "7",
    )


def test_an_empty_field_is_left_out_so_that_the_model_says_it_is_required():
    content = offer_form.read_step(OFFER, form(("title", " "), ("place.zipcode", "69004")), {"title": "Ancien"})
    assert "title" not in content and content["place"] == {"zipcode": "69004"}
    errors = offer_form.validate_step(OFFER, content)
    assert errors["title"] == ["Indiquez le titre de l'offre."]
    assert errors["place.street"] == ["Indiquez le numéro et la voie."]
    assert "place.latitude" not in errors and "place.zipcode" not in errors


def test_coordinates_sent_back_for_an_address_that_changed_are_dropped_to_be_located_again():
    before = {"place": {"street": "1 rue A", "zipcode": "69004", "city": "Lyon", "latitude": 45.7, "longitude": 4.8}}
    moved = form(
        ("place.street", "2 rue B"),
        ("place.zipcode", "69004"),
        ("place.city", "Lyon"),
        ("place.latitude", "45.7"),
        ("place.longitude", "4.8"),
    )
    content = offer_form.read_step(OFFER, moved, before)
    assert "latitude" not in content["place"] and offer_form.needs_location(content)
    located = offer_form.with_location(content, 45.76, 4.83)
    assert located["place"]["latitude"] == 45.76 and not offer_form.needs_location(located)

    chosen = form(*[(k, v) for k, v in moved.items(multi=True) if "itude" not in k], ("place.latitude", "45.71"))
    chosen.add("place.longitude", "4.81")
    fresh = offer_form.read_step(OFFER, chosen, before)  # a suggestion chosen in the browser
    assert (fresh["place"]["latitude"], fresh["place"]["longitude"]) == (45.71, 4.81)

    same = offer_form.read_step(OFFER, form(*before_fields(before)), before)
    assert same["place"] == before["place"]


def before_fields(content: dict) -> list[tuple[str, str]]:
    return [(f"place.{key}", str(value)) for key, value in content["place"].items()]


def test_an_address_not_found_is_said_at_the_street():
    content = {"place": {"street": "nulle part", "zipcode": "99999", "city": "Ailleurs"}}
    assert offer_form.needs_location(content)
    errors = offer_form.validate_step(OFFER, content)
    assert errors["place.street"] == [offer_form.PLACE_NOT_FOUND]


def test_the_structure_step_keeps_what_the_form_does_not_show_and_clears_emptied_optional_texts():
    before = {"employer": {"name": "Old", "description": "Depuis 1950.", "website": "https://a.fr"}, "title": "T"}
    submitted = form(
        ("employer.siret", "732 829 320 00074"),
        ("employer.name", "Boulangerie des Canuts"),
        ("employer.is_public", "false"),
        ("workspace_conditions", "Fournil chaud, station debout."),
        ("workspace_accessibility", ""),
    )
    content = offer_form.read_step(STRUCTURE, submitted, before)
    assert content["employer"] == {
        "description": "Depuis 1950.",
        "website": "https://a.fr",
        "siret": "73282932000074",
        "name": "Boulangerie des Canuts",
        "is_public": False,
    }
    assert content["workspace_accessibility"] is None and content["title"] == "T"
    assert offer_form.validate_step(STRUCTURE, content) == {}
    assert offer_form.form_values(content)["employer.is_public"] == "false"


def test_the_structure_step_names_a_wrong_siret_a_missing_sector_and_a_too_short_text():
    content = offer_form.read_step(
        STRUCTURE,
        form(("employer.siret", "12345678901234"), ("employer.name", "X"), ("workspace_conditions", "court")),
        {},
    )
    errors = offer_form.validate_step(STRUCTURE, content)
    assert errors["employer.siret"] == ["SIRET invalide (14 chiffres, clé de contrôle incorrecte)."]
    assert errors["employer.is_public"] == [offer_form.MISSING["employer.is_public"]]
    assert errors["workspace_conditions"] == ["Doit contenir au moins 10 caractère(s)."]
    assert set(errors) == {"employer.siret", "employer.is_public", "workspace_conditions"}


def pupils_form(*extra: tuple[str, str], hours: dict[str, list[str]] | None = None) -> MultiDict[str, str]:
    pairs = [*extra, ("lunch_break", "Repas tiré du sac en salle de pause."), ("max_candidates", "2")]
    for day, times in (hours if hours is not None else {"lundi": ["09:00", "12:00", "13:00", "16:00"]}).items():
        four = times if len(times) == 4 else [times[0], "", "", times[1]]  # the form has four inputs a day
        pairs += [(f"daily_hours.{day}", time) for time in four]
    return form(*pairs)


def test_the_pupils_step_makes_grades_weeks_and_hours():
    year = SchoolYear.current(SEPTEMBER)
    weeks = [str(week) for week in year.college_weeks()[-2:]]
    submitted = pupils_form(
        ("grades", "college"),
        ("grades", "seconde"),
        ("college_weeks_mode", "weeks"),
        *[("college_weeks", week) for week in reversed(weeks)],
        ("seconde_period", "week_1"),
        hours={
            "lundi": ["09:00", "12:00", "13:00", "16:00"],
            "mardi": ["09:00", "", "", "12:00"],
            "mercredi": ["", "", "", ""],
        },
    )
    content = offer_form.read_step(PUPILS, submitted, {})
    assert content["grades"] == ["quatrieme", "troisieme", "seconde"]
    assert content["college_weeks"] == weeks and content["seconde_period"] == "week_1"
    assert content["daily_hours"] == {"lundi": ["09:00", "12:00", "13:00", "16:00"], "mardi": ["09:00", "12:00"]}
    assert content["max_candidates"] == 2
    assert offer_form.validate_step(PUPILS, content) == {}
    values = offer_form.form_values(content)
    assert values["grades"] == ["college", "seconde"] and values["college_weeks_mode"] == "weeks"
    assert values["daily_hours"]["mardi"] == ["09:00", "", "", "12:00"]
    assert values["daily_hours"]["samedi"] == ["", "", "", ""]


def test_an_offer_for_troisieme_only_stays_so_and_all_year_is_kept():
    submitted = pupils_form(("grades", "college"), ("college_weeks_mode", "all_year"), ("college_weeks", "2027-W10"))
    content = offer_form.read_step(PUPILS, submitted, {"grades": ["troisieme"]})
    assert content["grades"] == ["troisieme"] and content["college_weeks"] == "all_year"
    assert "seconde_period" not in content


def test_the_pupils_step_asks_for_what_was_left_half_made():
    content = offer_form.read_step(
        PUPILS, pupils_form(("grades", "college"), ("grades", "seconde"), ("college_weeks_mode", "weeks")), {}
    )
    errors = offer_form.validate_step(PUPILS, content)
    assert errors["college_weeks"] == ["Cochez au moins une semaine."]
    assert errors["seconde_period"] == ["Choisissez la période de stage des lycéens."]

    nothing = offer_form.read_step(PUPILS, pupils_form(("max_candidates", "beaucoup"), hours={}), {})
    errors = offer_form.validate_step(PUPILS, nothing)
    assert errors["grades"] == [offer_form.MISSING["grades"]]
    assert errors["daily_hours"] == [offer_form.MISSING["daily_hours"]]
    assert "Doit être un nombre entier." in errors["max_candidates"][0]
    assert offer_form.form_values(nothing)["max_candidates"] == "beaucoup"  # shown again as typed

    college = offer_form.read_step(PUPILS, pupils_form(("grades", "college")), {})
    assert offer_form.validate_step(PUPILS, college)["college_weeks"] == [offer_form.COLLEGE_WEEKS_MODE_MISSING]


def test_hours_are_checked_day_by_day_then_against_the_minors_rules():
    half = pupils_form(
        ("grades", "college"),
        ("college_weeks_mode", "all_year"),
        hours={"lundi": ["09:00", "12:00", "", "16:00"], "mardi": ["", "", "", "17:00"]},
    )
    errors = offer_form.validate_step(PUPILS, offer_form.read_step(PUPILS, half, {}))
    assert errors["daily_hours.lundi"] == [
        "lundi : indiquez le début et la fin de la pause déjeuner, ou aucune des deux."
    ]
    assert errors["daily_hours.mardi"] == ["mardi : indiquez l'heure d'arrivée et l'heure de départ."]
    assert offer_form.form_values(offer_form.read_step(PUPILS, half, {}))["daily_hours"]["lundi"] == [
        "09:00",
        "12:00",
        "",
        "16:00",
    ]

    backwards = pupils_form(
        ("grades", "college"), ("college_weeks_mode", "all_year"), hours={"jeudi": ["17:00", "09:00"]}
    )
    errors = offer_form.validate_step(PUPILS, offer_form.read_step(PUPILS, backwards, {}))
    assert errors == {"daily_hours.jeudi": ["jeudi : l'heure de départ doit suivre l'heure d'arrivée."]}

    too_long = pupils_form(
        ("grades", "college"),
        ("college_weeks_mode", "all_year"),
        hours={"vendredi": ["08:00", "12:00", "12:30", "18:00"]},
    )
    errors = offer_form.validate_step(PUPILS, offer_form.read_step(PUPILS, too_long, {}))
    assert errors["daily_hours.vendredi"] == [
        "vendredi : 9 h 30 de présence, au-delà de 7 h par jour.",
        "vendredi : une pause d'au moins 30 minutes est due après 4 h 30 de présence.",
    ]
    assert set(errors) == {"daily_hours.vendredi"}


def test_the_equal_opportunity_step_keeps_one_list_of_schools():
    submitted = form(
        ("reserved_for.qpv", "1"),
        ("reserved_for.one_school", "1"),
        ("reserved_for.school_uais", "0752694w"),
        ("reserved_for.school_uais", "0750682J"),
        ("reserved_for.school_uais", "0752694W"),
    )
    content = offer_form.read_step(EQUAL, submitted, {})
    assert content["reserved_for"] == {"rep": False, "qpv": True, "school_uais": ["0752694W", "0750682J"]}
    removed = form(*submitted.items(multi=True), ("remove_school", "0752694W"))
    assert offer_form.read_step(EQUAL, removed, {})["reserved_for"]["school_uais"] == ["0750682J"]
    unticked = form(("reserved_for.school_uais", "0752694W"))
    assert offer_form.read_step(EQUAL, unticked, content)["reserved_for"]["school_uais"] == []

    none_chosen = offer_form.read_step(EQUAL, form(("reserved_for.one_school", "1")), {})
    errors = offer_form.validate_step(EQUAL, none_chosen, one_school=True)
    assert errors == {"reserved_for.school_uais": ["Choisissez au moins un établissement."]}
    wrong = offer_form.read_step(EQUAL, form(("reserved_for.one_school", "1"), ("reserved_for.school_uais", "123")), {})
    assert "Code UAI invalide" in offer_form.validate_step(EQUAL, wrong, one_school=True)["reserved_for.school_uais"][0]
    assert offer_form.form_values({"reserved_for": {"school_uai": "0752694W"}})["reserved_for.school_uais"] == [
        "0752694W"
    ]


def test_a_whole_offer_passes_every_step_and_reads_back_as_it_was_typed():
    content = whole_offer()
    for step in STEPS:
        assert offer_form.validate_step(step, content) == {}, step.slug
    values = offer_form.form_values(content)
    assert values["grades"] == ["college"] and values["daily_hours"]["lundi"] == ["08:00", "", "", "12:00"]


def test_service_errors_are_placed_at_their_fields_and_steps():
    errors = offer_form.displayable(
        {
            "daily_hours": ["lundi : 8 h de présence, au-delà de 7 h par jour.", "40 h de présence dans la semaine."],
            "place.latitude": ["Ce champ est obligatoire."],
            "reserved_for.school_uai": ["Aucun établissement de l'annuaire n'a ce code UAI."],
            "employer.name": ["Ce champ est obligatoire."],
        }
    )
    assert errors == {
        "daily_hours.lundi": ["lundi : 8 h de présence, au-delà de 7 h par jour."],
        "daily_hours": ["40 h de présence dans la semaine."],
        "reserved_for.school_uais": ["Aucun établissement de l'annuaire n'a ce code UAI."],
        "employer.name": ["Ce champ est obligatoire."],
        "place.street": [offer_form.PLACE_NOT_FOUND],
    }
    assert offer_form.first_step_with_errors(errors) is OFFER
    assert offer_form.errors_of_step(PUPILS, errors) == {
        "daily_hours.lundi": ["lundi : 8 h de présence, au-delà de 7 h par jour."],
        "daily_hours": ["40 h de présence dans la semaine."],
    }
    assert offer_form.first_step_with_errors({}) is None


def test_weeks_are_named_with_their_dates():
    assert offer_form.week_label(Week(2026, 37)) == "Semaine du 7 au 11 septembre 2026"
    assert offer_form.week_label(Week(2026, 40)) == "Semaine du 28 septembre au 2 octobre 2026"
    assert offer_form.week_label(Week(2026, 53)) == "Semaine du 28 décembre 2026 au 1er janvier 2027"
    assert offer_form.week_label(Week(2027, 9)) == "Semaine du 1er au 5 mars 2027"
    assert offer_form.college_week_labels(["2026-W37", "bad"]) == ["Semaine du 7 au 11 septembre 2026", "bad"]
    assert offer_form.college_week_labels("all_year") == []


def test_week_choices_start_this_week_and_carry_the_counts_of_schools_nearby():
    choices = offer_form.week_choices(SEPTEMBER, [{"week": "2026-W38", "schools_count": 3}])
    assert choices[0] == offer_form.WeekChoice("2026-W37", "Semaine du 7 au 11 septembre 2026", 0)
    assert choices[1].schools_count == 3
    assert choices[-1].week == str(SchoolYear(2026).last_college_week)
    friday = offer_form.week_choices(date(2026, 9, 11))
    assert friday[0].week == "2026-W37"  # its Friday is still ahead
    assert offer_form.week_choices(date(2026, 9, 12))[0].week == "2026-W38"


def test_seconde_choices_are_labelled_by_the_computed_calendar():
    assert offer_form.seconde_choices(SEPTEMBER) == [
        ("two_weeks", "Stage de 2 semaines (du 14 au 25 juin 2027)"),
        ("week_1", "Stage d'une semaine (du 14 au 18 juin 2027)"),
        ("week_2", "Stage d'une semaine (du 21 au 25 juin 2027)"),
    ]


@pytest.mark.parametrize(
    ("offer", "status"),
    [
        ({"status": "unpublished", "published_at": None, "past": False, "remaining_seats": 2}, "brouillon"),
        ({"status": "unpublished", "published_at": "2026-09-01", "past": False, "remaining_seats": 2}, "masquée"),
        ({"status": "published", "published_at": "2026-09-01", "past": False, "remaining_seats": 2}, "publiée"),
        ({"status": "published", "published_at": "2026-09-01", "past": False, "remaining_seats": 0}, "complète"),
        ({"status": "published", "published_at": "2026-09-01", "past": True, "remaining_seats": 0}, "passée"),
    ],
)
def test_an_offers_status_in_the_list(offer, status):
    assert offer_form.offer_status(offer)[0] == status


def test_college_grades_are_named():
    assert offer_form.college_grades_label(["seconde", "troisieme", "quatrieme"]) == "4ème et 3ème"
    assert offer_form.college_grades_label(["troisieme"]) == "3ème"


def test_the_structure_step_reads_the_trade_name_ministry_and_contact_phone():
    before = {"employer": {"name": "Old", "trade_name": "Ancienne enseigne"}, "contact_phone": "0478000000"}
    public = form(
        ("employer.name", "Musée"),
        ("employer.is_public", "true"),
        ("employer.trade_name", "Les Confluences"),
        ("employer.ministry", "Ministère de la Culture"),
        ("contact_phone", ""),
    )
    content = offer_form.read_step(STRUCTURE, public, before)
    assert (content["employer"]["trade_name"], content["employer"]["ministry"]) == (
        "Les Confluences",
        "Ministère de la Culture",
    )
    assert content["contact_phone"] is None  # emptied: cleared
    values = offer_form.form_values(content)
    assert values["employer.ministry"] == "Ministère de la Culture"
    # « Secteur privé » leaves no ministry behind; a page without the new inputs keeps the draft's.
    private = form(
        ("employer.name", "Musée"), ("employer.is_public", "false"), ("employer.ministry", "Ministère de la Culture")
    )
    content = offer_form.read_step(STRUCTURE, private, before)
    assert content["employer"]["ministry"] is None
    assert (content["employer"]["trade_name"], content["contact_phone"]) == ("Ancienne enseigne", "0478000000")


def test_a_wrong_contact_phone_is_said_at_the_structure_step():
    content = {**offer_body(today=SEPTEMBER), "contact_phone": "04 78"}
    errors = offer_form.validate_step(STRUCTURE, content)
    assert errors == {
        "contact_phone": [
            "Téléphone de contact pour l'établissement invalide : indiquez un numéro français (01 23 45 67 89)."
        ]
    }
