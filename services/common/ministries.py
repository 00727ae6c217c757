"""The ministries a public host may answer to (« Ministère de tutelle » of an offer's employer).

A closed list, as the national platform's: an offer names one of these exactly, so the
offers of one ministry can be counted together. Names follow the government's usage; a
reshuffle renames a ministry here, and offers already stored keep the name they were given.
"""

from __future__ import annotations

MINISTRIES: tuple[str, ...] = (
    "Premier ministre",
    "Ministère de l'Agriculture et de la Souveraineté alimentaire",
    "Ministère des Armées",
    "Ministère de la Culture",
    "Ministère de l'Économie, des Finances et de la Souveraineté industrielle et numérique",
    "Ministère de l'Éducation nationale",
    "Ministère de l'Enseignement supérieur et de la Recherche",
    "Ministère de l'Europe et des Affaires étrangères",
    "Ministère de l'Intérieur",
    "Ministère de la Justice",
    "Ministère des Outre-mer",
    "Ministère de la Santé et de l'Accès aux soins",
    "Ministère des Solidarités, de l'Autonomie et de l'Égalité entre les femmes et les hommes",
    "Ministère des Sports, de la Jeunesse et de la Vie associative",
    "Ministère de la Transformation et de la Fonction publiques",
    "Ministère de la Transition écologique, de la Biodiversité, de la Forêt, de la Mer et de la Pêche",
    "Ministère du Travail et de l'Emploi",
    "Ministère du Logement et de la Rénovation urbaine",
    "Ministère de l'Aménagement du territoire et de la Décentralisation",
    "Ministère des Transports",
)


def is_ministry(name: str) -> bool:
    """Whether ``name`` is one of the list, exactly."""
    return name in MINISTRIES
