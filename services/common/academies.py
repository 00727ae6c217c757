"""Departments and academies (*académies*): which department a postal code lies in, and which
academy a department belongs to.

The table follows the ministry's map since the merger of Caen and Rouen into Normandie (2020):
the 30 academies. Its codes are those of the *Annuaire de l'éducation* (``Code_academie``),
against which tests/unit/test_academies.py checks every department when ``../shared/data``
is present. Saint-Martin and Saint-Barthélemy have postal codes of Guadeloupe (971xx) and are
counted with it; Saint-Pierre-et-Miquelon (975), which has a service of education of its own
(annuaire code 44), is counted with Normandie, the academy it depends on for exams.
"""

from __future__ import annotations

import unicodedata

# Academy → its annuaire code and departments (INSEE codes, Corsica as 2A/2B).
ACADEMIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Aix-Marseille": ("02", ("04", "05", "13", "84")),
    "Amiens": ("20", ("02", "60", "80")),
    "Besançon": ("03", ("25", "39", "70", "90")),
    "Bordeaux": ("04", ("24", "33", "40", "47", "64")),
    "Clermont-Ferrand": ("06", ("03", "15", "43", "63")),
    "Corse": ("27", ("2A", "2B")),
    "Créteil": ("24", ("77", "93", "94")),
    "Dijon": ("07", ("21", "58", "71", "89")),
    "Grenoble": ("08", ("07", "26", "38", "73", "74")),
    "Guadeloupe": ("32", ("971",)),
    "Guyane": ("33", ("973",)),
    "La Réunion": ("28", ("974",)),
    "Lille": ("09", ("59", "62")),
    "Limoges": ("22", ("19", "23", "87")),
    "Lyon": ("10", ("01", "42", "69")),
    "Martinique": ("31", ("972",)),
    "Mayotte": ("43", ("976",)),
    "Montpellier": ("11", ("11", "30", "34", "48", "66")),
    "Nancy-Metz": ("12", ("54", "55", "57", "88")),
    "Nantes": ("17", ("44", "49", "53", "72", "85")),
    "Nice": ("23", ("06", "83")),
    "Normandie": ("70", ("14", "27", "50", "61", "76", "975")),
    "Orléans-Tours": ("18", ("18", "28", "36", "37", "41", "45")),
    "Paris": ("01", ("75",)),
    "Poitiers": ("13", ("16", "17", "79", "86")),
    "Reims": ("19", ("08", "10", "51", "52")),
    "Rennes": ("14", ("22", "29", "35", "56")),
    "Strasbourg": ("15", ("67", "68")),
    "Toulouse": ("16", ("09", "12", "31", "32", "46", "65", "81", "82")),
    "Versailles": ("25", ("78", "91", "92", "95")),
}

# Department names, as the Annuaire de l'éducation spells them (``Libelle_departement``).
DEPARTMENT_NAMES: dict[str, str] = {
    "01": "Ain", "02": "Aisne", "03": "Allier", "04": "Alpes-de-Haute-Provence", "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes", "07": "Ardèche", "08": "Ardennes", "09": "Ariège", "10": "Aube", "11": "Aude",
    "12": "Aveyron", "13": "Bouches-du-Rhône", "14": "Calvados", "15": "Cantal", "16": "Charente",
    "17": "Charente-Maritime", "18": "Cher", "19": "Corrèze", "21": "Côte-d'Or", "22": "Côtes-d'Armor",
    "23": "Creuse", "24": "Dordogne", "25": "Doubs", "26": "Drôme", "27": "Eure", "28": "Eure-et-Loir",
    "29": "Finistère", "2A": "Corse-du-Sud", "2B": "Haute-Corse", "30": "Gard", "31": "Haute-Garonne",
    "32": "Gers", "33": "Gironde", "34": "Hérault", "35": "Ille-et-Vilaine", "36": "Indre",
    "37": "Indre-et-Loire", "38": "Isère", "39": "Jura", "40": "Landes", "41": "Loir-et-Cher", "42": "Loire",
    "43": "Haute-Loire", "44": "Loire-Atlantique", "45": "Loiret", "46": "Lot", "47": "Lot-et-Garonne",
    "48": "Lozère", "49": "Maine-et-Loire", "50": "Manche", "51": "Marne", "52": "Haute-Marne",
    "53": "Mayenne", "54": "Meurthe-et-Moselle", "55": "Meuse", "56": "Morbihan", "57": "Moselle",
    "58": "Nièvre", "59": "Nord", "60": "Oise", "61": "Orne", "62": "Pas-de-Calais", "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques", "65": "Hautes-Pyrénées", "66": "Pyrénées-Orientales", "67": "Bas-Rhin",
    "68": "Haut-Rhin", "69": "Rhône", "70": "Haute-Saône", "71": "Saône-et-Loire", "72": "Sarthe",
    "73": "Savoie", "74": "Haute-Savoie", "75": "Paris", "76": "Seine-Maritime", "77": "Seine-et-Marne",
    "78": "Yvelines", "79": "Deux-Sèvres", "80": "Somme", "81": "Tarn", "82": "Tarn-et-Garonne", "83": "Var",
    "84": "Vaucluse", "85": "Vendée", "86": "Vienne", "87": "Haute-Vienne", "88": "Vosges", "89": "Yonne",
    "90": "Territoire de Belfort", "91": "Essonne", "92": "Hauts-de-Seine", "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne", "95": "Val-d'Oise", "971": "Guadeloupe", "972": "Martinique", "973": "Guyane",
    "974": "La Réunion", "975": "Saint-Pierre-et-Miquelon", "976": "Mayotte",
}  # fmt: skip

_ACADEMY_OF = {department: academy for academy, (_, departments) in ACADEMIES.items() for department in departments}


def academy_names() -> list[str]:
    """The academies, in French alphabetical order (as the table lists them)."""
    return list(ACADEMIES)


def departments_of(academy: str) -> list[str]:
    """The departments of ``academy`` (KeyError when it is not an academy's name)."""
    return list(ACADEMIES[academy][1])


def academy_of(department: str) -> str | None:
    """The academy of a department (``69`` → ``Lyon``); None outside the 30 academies."""
    return _ACADEMY_OF.get(department)


def find_academy(name: str) -> str | None:
    """The academy named ``name``, whatever its case and accents' absence (``reunion``, ``la
    réunion``); None when no academy has that name."""
    wanted = _key(name)
    for academy in ACADEMIES:
        if _key(academy) in (wanted, _key(f"La {name}")):
            return academy
    return None


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("-", " ").split())


def department_label(department: str) -> str:
    """``69 – Rhône`` (the bare code when the department has no name here)."""
    name = DEPARTMENT_NAMES.get(department)
    return f"{department} – {name}" if name else department


def department_of_zipcode(zipcode: str) -> str:
    """The department of a French postal code: ``69003`` → ``69``, ``97411`` → ``974``; in
    Corsica, ``200xx``/``201xx`` → ``2A`` (Corse-du-Sud), other ``20xxx`` → ``2B``.

    The same rule runs in SQL (``services.common.department_sql``) so that figures can be
    grouped by department in the database.
    """
    if zipcode.startswith(("97", "98")):
        return zipcode[:3]
    if zipcode.startswith(("200", "201")):
        return "2A"
    if zipcode.startswith("20"):
        return "2B"
    return zipcode[:2]
