"""The 51 activity sectors of the national platform: a public code list (``s1`` to ``s51``).

Offers name their sector by its code. The numeric ids are the ones the national partner
API v2 answers at ``GET /api/v2/sectors``, kept so partner clients that stored them still
match; the order is that API's too (``s51``, added last, comes last).
"""

from __future__ import annotations

from typing import NamedTuple


class Sector(NamedTuple):
    """One sector: the national API's numeric id, its public code, its French name."""

    id: int
    code: str
    name: str


SECTORS: tuple[Sector, ...] = (
    Sector(864762879, "s1", "Agroéquipement"),
    Sector(76286826, "s2", "Architecture, urbanisme et paysage"),
    Sector(495278806, "s3", "Armée - Défense"),
    Sector(713189959, "s4", "Art et design"),
    Sector(887554022, "s5", "Artisanat d'art"),
    Sector(65130353, "s6", "Arts du spectacle"),
    Sector(451452621, "s7", "Audiovisuel"),
    Sector(770682462, "s8", "Automobile"),
    Sector(1028699085, "s9", "Banque et assurance"),
    Sector(173507420, "s10", "Bâtiment et travaux publics (BTP)"),
    Sector(15829721, "s11", "Bien-être"),
    Sector(938916418, "s12", "Commerce et distribution"),
    Sector(788524026, "s13", "Communication"),
    Sector(435739501, "s14", "Comptabilité, gestion, ressources humaines"),
    Sector(127684306, "s15", "Conseil et audit"),
    Sector(815496795, "s16", "Construction aéronautique, ferroviaire et navale"),
    Sector(697446371, "s17", "Culture et patrimoine"),
    Sector(513089398, "s18", "Droit et justice"),
    Sector(237634279, "s19", "Édition, librairie, bibliothèque"),
    Sector(959263348, "s20", "Électronique"),
    Sector(735893784, "s21", "Énergie"),
    Sector(484174213, "s22", "Enseignement"),
    Sector(97695801, "s23", "Environnement"),
    Sector(852854960, "s24", "Filiere bois"),
    Sector(749804815, "s25", "Fonction publique"),
    Sector(464924060, "s26", "Hôtellerie, restauration"),
    Sector(46103584, "s27", "Immobilier, transactions immobilières"),
    Sector(901270711, "s28", "Industrie alimentaire"),
    Sector(621236522, "s29", "Industrie chimique"),
    Sector(302014899, "s30", "Industrie, ingénierie industrielle"),
    Sector(851961943, "s31", "Informatique et réseaux"),
    Sector(96524484, "s32", "Jeu vidéo"),
    Sector(482969976, "s33", "Journalisme"),
    Sector(734968303, "s34", "Logistique et transport"),
    Sector(900344912, "s35", "Maintenance"),
    Sector(44899549, "s36", "Marketing, publicité"),
    Sector(463752545, "s37", "Mécanique"),
    Sector(748912120, "s38", "Métiers d'art"),
    Sector(1008492649, "s39", "Mode"),
    Sector(186339570, "s40", "Papiers Cartons"),
    Sector(1032224405, "s41", "Paramédical"),
    Sector(176246280, "s42", "Recherche"),
    Sector(327688128, "s43", "Santé"),
    Sector(613363497, "s44", "Sécurité"),
    Sector(988527244, "s45", "Services postaux"),
    Sector(233605663, "s46", "Social"),
    Sector(350608295, "s47", "Sport"),
    Sector(602073904, "s48", "Tourisme"),
    Sector(861796003, "s49", "Traduction, interprétation"),
    Sector(73057850, "s50", "Verre, béton, céramique"),
    Sector(614289364, "s51", "Agriculture"),
)

BY_CODE: dict[str, Sector] = {sector.code: sector for sector in SECTORS}
