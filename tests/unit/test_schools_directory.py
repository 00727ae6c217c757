"""The schools directory's parsing and combining rules, on tiny files in the official layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.matching.directory import (
    DirectoryFileError,
    decode,
    fold,
    priority_status,
    read_annuaire,
    read_qpv_file,
    read_rep_list,
)
from services.matching.import_schools import SAMPLE, SAMPLE_QPV, read_sources

pytestmark = pytest.mark.unit

ANNUAIRE_HEADER = (
    "Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Statut_public_prive;Adresse_1;"
    "Code_postal;Code_commune;Nom_commune;Code_departement;Libelle_departement;Code_academie;Voie_generale;"
    "Voie_technologique;Voie_professionnelle;Appartenance_Education_Prioritaire;latitude;longitude"
)


def annuaire_row(
    uai: str,
    name: str = "Collège Test",
    kind: str = "Collège",
    general: str = "",
    technological: str = "",
    priority: str = "",
    latitude: str = "48.82",
    longitude: str = "2.36",
    city: str = "Paris",
    zipcode: str = "75013",
) -> str:
    return (
        f"{uai};{name};{kind};Public;;{zipcode};;{city};;;;{general};{technological};;{priority};{latitude};{longitude}"
    )


def write(tmp_path: Path, name: str, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode())
    return path


def annuaire(tmp_path: Path, *rows: str) -> Path:
    return write(tmp_path, "annuaire.csv", [ANNUAIRE_HEADER, *rows], newline="\r\n")


def colleges_qpv(tmp_path: Path, *rows: str) -> Path:
    header = "Numéro établissement;Situation relative à un QPV (quartier prioritaire de la Ville)"
    return write(tmp_path, "etablissements-qpv.csv", [header, *rows], encoding="utf-8-sig")


def lycees_qpv(tmp_path: Path, *rows: str) -> Path:
    header = (
        "EP 2023-2024;Numéro d'établissement;Patronyme;Appartenance à un REP 2015 Lib L;"
        "Appartenance à un REPPLUS Lib L;En QPV 2024 DEPP oui/non"
    )
    return write(tmp_path, "lycees-qpv-2024.csv", [header, *rows], encoding="utf-8-sig")


def rep_list(tmp_path: Path, *rows: str, encoding: str = "cp1252") -> Path:
    header = (
        "ACADEMIE;N°Département;DEPARTEMENT;COMMUNE;UAI tête de réseau;NUMERO;NOM DE L'ETABLISSEMENT;"
        "TYPE_DETABLISSEMENT;EP;circonscription ;contact collège ou circonscription "
    )
    return write(tmp_path, "rep.csv", [header, *rows], encoding=encoding)


def test_keeps_every_college_and_only_lycees_with_a_general_or_technological_track(tmp_path):
    path = annuaire(
        tmp_path,
        annuaire_row("0752694W", "Collège Camille Claudel"),
        annuaire_row("0750682J", "Lycée Rodin", "Lycée", general="1", technological="1"),
        annuaire_row("0750683K", "Lycée Claude Monet", "Lycée", general="1", technological="0"),
        annuaire_row("0750785W", "LP Galilée", "Lycée", general="0", technological="1"),
        annuaire_row("0751710B", "Lycée des métiers Nicolas-Louis Vauquelin", "Lycée", general="0", technological="0"),
        annuaire_row("0755182A", "Lycée expérimental", "Lycée"),
    )
    directory = read_annuaire(path)
    assert [(s.uai, s.kind) for s in directory.schools] == [
        ("0752694W", "college"),
        ("0750682J", "lycee"),
        ("0750683K", "lycee"),
        ("0750785W", "lycee"),
    ]
    assert (directory.ignored, directory.rejected) == (2, [])
    claudel = directory.schools[0]
    assert (claudel.name, claudel.city, claudel.zipcode, claudel.latitude, claudel.longitude) == (
        "Collège Camille Claudel",
        "Paris",
        "75013",
        48.82,
        2.36,
    )


def test_bad_uai_missing_or_invalid_coordinates_and_unknown_type_are_rejected_with_their_reason(tmp_path):
    path = annuaire(
        tmp_path,
        annuaire_row("0752694W"),
        annuaire_row("0932529Y"),  # real data error: the checksum letter is wrong
        annuaire_row("075269W"),
        annuaire_row("0753937X", latitude=""),
        annuaire_row("0931225B", latitude="quarante-huit"),
        annuaire_row("0931147S", latitude="148.9", longitude="2.37"),
        annuaire_row("0131260Z", kind="École élémentaire"),
        annuaire_row("0752694W", "Le même, encore"),
        annuaire_row("0132561N", latitude="0", longitude="0"),
    )
    directory = read_annuaire(path)
    assert [s.uai for s in directory.schools] == ["0752694W"]
    assert [(r.line, r.uai) for r in directory.rejected] == [
        (3, "0932529Y"),
        (4, "075269W"),
        (5, "0753937X"),
        (6, "0931225B"),
        (7, "0931147S"),
        (8, "0131260Z"),
        (9, "0752694W"),
        (10, "0132561N"),
    ]
    reasons = [r.reason for r in directory.rejected]
    assert reasons[0] == "UAI invalide (lettre de contrôle incorrecte)"
    assert reasons[1] == "UAI mal formé (7 chiffres et une lettre attendus)"
    assert reasons[2] == "coordonnées manquantes"
    assert reasons[3].startswith("coordonnées invalides") and reasons[4].startswith("coordonnées invalides")
    assert reasons[5] == "type d'établissement inconnu : « École élémentaire » (Collège ou Lycée attendu)"
    assert reasons[6] == "UAI en double (déjà ligne 2)"
    assert reasons[7].startswith("coordonnées invalides")


def test_the_rep_list_wins_over_the_annuaire_and_is_read_whatever_its_encoding(tmp_path):
    path = annuaire(
        tmp_path,
        annuaire_row("0752694W", priority="REP"),  # the list says REP+
        annuaire_row("0782976L"),  # only the list names it
        annuaire_row("0753937X", priority="REP"),  # only the annuaire names it
        annuaire_row("0931147S"),  # nobody does
    )
    listed = [
        "PARIS;75;PARIS;PARIS 13;0752694W;0752694W;CAMILLE CLAUDEL;COLLEGE;REP+;;ce.0752694W@ac-paris.fr",
        "VERSAILLES;78;YVELINES;MANTES;0782976L;0782976l;ANDRÉ CHÉNIER;COLLÈGE;REP+;;",
        "PARIS;75;PARIS;PARIS 13;0752694W;0750890K;FRANC NOHAIN;ECOLE ELEMENTAIRE OU PRIMAIRE;REP;IEN 13A;",
    ]
    for encoding in ("cp1252", "utf-8", "utf-8-sig"):
        statuses = read_rep_list(rep_list(tmp_path, *listed, encoding=encoding))
        assert statuses == {"0752694W": "REP+", "0782976L": "REP+", "0750890K": "REP"}
        directory = read_annuaire(path, statuses)
        assert {s.uai: s.rep for s in directory.schools} == {
            "0752694W": "REP+",
            "0782976L": "REP+",
            "0753937X": "REP",
            "0931147S": None,
        }


def test_decode_takes_utf8_with_or_without_bom_and_latin1_even_mixed_with_utf8():
    assert decode("\ufeffNuméro;EP\n".encode()) == "Numéro;EP\n"
    assert decode("Numéro;EP\n".encode("cp1252")) == "Numéro;EP\n"
    mixed = "collège;REP\n".encode() + "André Chénier;REP+\n".encode("latin-1")
    assert decode(mixed) == "collège;REP\nAndré Chénier;REP+\n"


def test_priority_status_spellings():
    assert [priority_status(v) for v in ("REP", "rep +", " REP+ ", "Hors EP", "", None)] == [
        "REP",
        "REP+",
        "REP+",
        None,
        None,
        None,
    ]


def test_a_college_is_in_a_qpv_when_any_of_its_rows_says_dans_un_qpv(tmp_path):
    path = colleges_qpv(
        tmp_path,
        "0752694W;",
        "0752694W;à moins de 300 m d'un QPV",
        "0753937X;hors QPV",
        "0753937X;dans un QPV",
        "0931147S;hors QPV",
        "0750682J;dans un QPV",  # a lycée: the collèges' file does not decide for lycées
    )
    kind, uais = read_qpv_file(path)
    assert kind == "college"
    assert uais == {"0753937X", "0750682J"}
    schools = annuaire(
        tmp_path,
        annuaire_row("0752694W"),
        annuaire_row("0753937X"),
        annuaire_row("0931147S"),
        annuaire_row("0750682J", "Lycée Rodin", "Lycée", general="1"),
    )
    directory = read_sources(schools, qpv=[path])
    assert {s.uai: s.qpv for s in directory.schools} == {
        "0752694W": False,
        "0753937X": True,
        "0931147S": False,
        "0750682J": False,
    }


def test_a_lycee_is_in_a_qpv_when_the_lycees_file_says_dans_qp(tmp_path):
    path = lycees_qpv(
        tmp_path,
        "Hors EP;0750682J;RODIN;NON;NON;Dans QP",
        "Hors EP;0750683K;CLAUDE MONET;NON;NON;",
        "Hors EP;0752694W;CAMILLE CLAUDEL;NON;NON;Dans QP",  # a collège: not its file
    )
    kind, uais = read_qpv_file(path)
    assert (kind, uais) == ("lycee", {"0750682J", "0752694W"})
    schools = annuaire(
        tmp_path,
        annuaire_row("0750682J", "Lycée Rodin", "Lycée", general="1"),
        annuaire_row("0750683K", "Lycée Claude Monet", "Lycée", general="1"),
        annuaire_row("0752694W"),
    )
    # Both files at once, in any order: each is recognised by its columns.
    colleges = colleges_qpv(tmp_path, "0752694W;hors QPV")
    for order in ([path, colleges], [colleges, path]):
        directory = read_sources(schools, qpv=order)
        assert {s.uai: s.qpv for s in directory.schools} == {"0750682J": True, "0750683K": False, "0752694W": False}


def test_files_with_the_wrong_columns_are_refused_with_a_message(tmp_path):
    wrong = write(tmp_path, "autre.csv", ["uai;nom", "0752694W;Claudel"])
    with pytest.raises(DirectoryFileError, match="fichier QPV non reconnu"):
        read_qpv_file(wrong)
    with pytest.raises(DirectoryFileError, match="NUMERO et EP"):
        read_rep_list(wrong)
    with pytest.raises(DirectoryFileError, match="Identifiant_de_l_etablissement"):
        read_annuaire(wrong)


def test_search_text_is_folded_name_city_zipcode_and_uai(tmp_path):
    path = annuaire(tmp_path, annuaire_row("0753937X", "Collège Évariste  Galois", city="Paris", zipcode="1000"))
    [school] = read_annuaire(path).schools
    assert school.name == "Collège Évariste Galois"
    assert school.zipcode == "01000"
    assert school.search_text == "college evariste galois paris 01000 0753937x"
    assert fold("Lycée Gabriel Guist'hau — SAINT-NAZAIRE") == "lycee gabriel guist hau saint nazaire"


def test_the_built_in_sample_has_real_schools_with_rep_and_qpv():
    directory = read_sources(SAMPLE, qpv=SAMPLE_QPV)
    schools = {s.uai: s for s in directory.schools}
    assert directory.rejected == []
    assert 15 <= len(schools) <= 25
    assert schools["0752694W"].kind == "college" and schools["0752694W"].rep == "REP"
    assert schools["0752694W"].zipcode == "75013"
    assert any(s.rep == "REP+" for s in schools.values())
    assert any(s.qpv and s.kind == "college" for s in schools.values())
    assert any(s.qpv and s.kind == "lycee" for s in schools.values())
    # A lycée professionnel (no general or technological track): not a 2de GT school.
    assert "0751710B" not in schools and directory.ignored == 1
