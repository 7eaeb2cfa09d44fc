"""Read DfE's SSDA903 XML export (EXPSSDA903) into the CSV layout's tables, streaming."""

from __future__ import annotations

import re
from difflib import get_close_matches
from pathlib import Path

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, XMLParser

from carejsna.returns.read import FILE_NOT_LOADED, NOTED, FileProblem, Problem, no_gc
from carejsna.returns.schema import FILES

ROOT = "EXPSSDA903"
TABLES = ("header", "episodes", "uasc", "oc2", "oc3")  # the rest are local CSV files
RENAMED = {"CHILDID": "CHILD", "PL": "PLACE"}  # the XML's names for the CSV layout's columns
XML_NAMES = {csv: xml for xml, csv in RENAMED.items()}
OC3 = ("IN_TOUCH", "ACTIV", "ACCOM")  # directly in the HEADER of a care leaver
CHUNK = 1 << 16
# A HEADER's groups of elements in DfE's layout (as its sample return has them): OC2 is read;
# reviews, missing episodes, permanence and adoption are not, and are not said to be skipped.
GROUPS = {"OC2", "AREVIEW", "AMISSING", "PERMANENCE", "AD_PLACED"}
USED = {XML_NAMES.get(c.name, c.name) for t in TABLES for c in FILES[t].cols} | {"UASC"}
# The fields whose absence refuses a CSV file (required, or present: DEC, REC...): misnamed in
# every element, they refuse the XML
NEEDED = {XML_NAMES.get(c.name, c.name) for t in TABLES for c in FILES[t].cols if c.needed}
# The fields DfE's layout has in each element that holds them: those the tables read, and a
# HEADER's adoption fields, which they do not. Any other is said once a file (a misspelt
# DECOM would otherwise be reported blank in every episode, a misspelt optional field not at all).
FIELDS = {
    "HEADER": {
        XML_NAMES.get(c.name, c.name) for t in ("header", "uasc", "oc3") for c in FILES[t].cols
    }
    | {"UASC", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR", "DATE_INT", "DATE_MATCH", "FOSTER_CARE"},
    "EPISODE": {XML_NAMES.get(c.name, c.name) for c in FILES["episodes"].cols} - {"CHILDID"},
    "OC2": {c.name for c in FILES["oc2"].cols} - {"CHILD", "DOB"},
}


class _Return:
    """An expat target that keeps only the fields the tables need: one dict a CHILD (its
    HEADER's fields, its OC2's, its episodes'), turned into table rows when the CHILD ends, so
    no element tree is ever held."""

    def __init__(self, label: str, year: int):
        self.label, self.year = label, year
        self.path: list[str] = []
        self.text: list[str] = []
        self.records = {name: [] for name in TABLES}
        self.rows = {name: [] for name in TABLES}
        self.problems: list[Problem] = []
        self.children = self.episodes = 0
        self.seen: dict[str, str] = {}
        self.strangers: set[str] = set()  # elements not read, each said once
        self.present: set[tuple[str, str]] = set()  # (element, field) read at least once
        self.misnamed: dict[tuple[str, str], int] = {}  # fields not DfE's: their first line
        self.line = lambda: 0  # set by read(): the parser's current line

    def noted(self, text: str, element: str = "", row: int | None = None) -> None:
        self.problems.append(Problem(self.year, self.label, row, element, "", text, NOTED))

    def start(self, tag: str, attrib: dict) -> None:
        tag = tag.rpartition("}")[2]  # any namespace aside
        path = self.path
        path.append(tag)
        self.text = []
        depth = len(path)
        if depth == 1 and tag != ROOT:
            raise FileProblem(
                Problem(
                    self.year,
                    self.label,
                    self.line(),
                    tag,
                    "",
                    f"the XML's root element is {tag}, not {ROOT}: not an SSDA903 return",
                    FILE_NOT_LOADED,
                )
            )
        if depth == 2:
            if tag == "CHILD":
                self.children += 1
                self.child = {"HEADER": None, "OC2": None, "EPISODE": []}
            else:
                self.noted(f"line {self.line()}: not a CHILD element: not read", tag)
        elif depth == 3 and path[1] == "CHILD":
            if tag == "EPISODE":
                self.episodes += 1
                self.child["EPISODE"].append(({}, self.episodes))
            elif tag == "HEADER" and self.child["HEADER"] is None:
                self.child["HEADER"] = {}
            elif tag == "HEADER":
                self.noted("a second HEADER in the CHILD: not read", tag, self.children)
            else:
                self.strange(f"CHILD/{tag}", "not a HEADER or EPISODE")
        elif depth == 4 and path[1:] == ["CHILD", "HEADER", "OC2"] and self.child["OC2"] is None:
            self.child["OC2"] = {}
        elif depth == 5 and path[1:3] == ["CHILD", "HEADER"] and path[3] not in GROUPS:
            self.strange(f"HEADER/{path[3]}", "holds elements, but is not OC2")
        elif depth == 5 and path[1:3] == ["CHILD", "EPISODE"]:
            self.strange(f"EPISODE/{path[3]}", "holds elements: an EPISODE holds fields only")

    def strange(self, element: str, why: str) -> None:
        """An element the layout does not have, and so nothing in it is read: said once a file
        (its first line), not once a child."""
        if element not in self.strangers:
            self.strangers.add(element)
            self.noted(f"line {self.line()}: {element} {why}: not read, here or anywhere", element)

    def data(self, text: str) -> None:
        self.text.append(text)

    def end(self, tag: str) -> None:
        path = self.path
        tag, depth = path[-1], len(path)
        if depth >= 4 and path[1] == "CHILD":
            fields = self._fields(path)
            if fields is not None and tag not in FIELDS[path[-2]] and tag not in GROUPS:
                self.strange(f"{path[-2]}/{tag}", _unknown_field(path[-2], tag))
                self.misnamed.setdefault((path[-2], tag), self.line())
            elif fields is not None and tag not in fields:
                self.present.add((path[-2], tag))
                text = "".join(self.text)
                fields[tag] = self.seen.setdefault(text, text)  # one string per code or day
            elif fields is not None and tag in USED:
                at = self.episodes if path[2] == "EPISODE" else self.children
                where = "/".join(path[2:-1])
                self.noted(f"{tag} appears twice in the {where}: the first is read", tag, at)
        elif depth == 2 and tag == "CHILD":
            self._child()
        self.text = []
        path.pop()

    def _fields(self, path: list[str]) -> dict | None:
        """The dict a leaf element's value goes in, or None for one the tables do not use."""
        child = self.child
        if len(path) == 4 and path[2] == "HEADER" and path[3] != "OC2":
            return child["HEADER"]
        if len(path) == 4 and path[2] == "EPISODE":
            return child["EPISODE"][-1][0]
        if len(path) == 5 and path[2:4] == ["HEADER", "OC2"]:
            return child["OC2"]
        return None

    def _child(self) -> None:
        """The CHILD's rows in each table, as its CSV files would hold them."""
        child, at = self.child, self.children
        header = child["HEADER"]
        if header is None:
            self.noted("a CHILD without a HEADER: its episodes have no CHILDID", "HEADER", at)
            header = {}
        header = {RENAMED.get(k, k): v for k, v in header.items()}
        ids = {"CHILD": header.get("CHILD", ""), "DOB": header.get("DOB", "")}
        if child["HEADER"] is not None:
            self._add("header", header, at)
        for episode, number in child["EPISODE"]:
            self._add(
                "episodes", {**ids, **{RENAMED.get(k, k): v for k, v in episode.items()}}, number
            )
        flag = header.get("UASC", "").strip()
        if (flag and flag != "0") or header.get("DUC", "").strip():
            self._add("uasc", {**header}, at)
        if child["OC2"] is not None:
            self._add("oc2", {**ids, **child["OC2"]}, at)
        if any(name in header for name in OC3):
            self._add("oc3", header, at)

    def _add(self, table: str, fields: dict, at: int) -> None:
        self.records[table].append([fields.get(col.name, "") for col in FILES[table].cols])
        self.rows[table].append(at)


def _nearest(parent: str, tag: str) -> str | None:
    """The field of `parent` a field DfE's layout does not have may be: the XML's name for a
    CSV column's (PLACE: PL), or the closest in spelling; none for another element's field
    (a UPN in an EPISODE is not a misspelt URN)."""
    if any(tag in fields for fields in FIELDS.values()):
        return None
    if XML_NAMES.get(tag.upper()) in FIELDS[parent]:
        return XML_NAMES[tag.upper()]
    near = get_close_matches(tag.upper(), sorted(FIELDS[parent]), n=1, cutoff=0.6)
    return near[0] if near else None


def _unknown_field(parent: str, tag: str) -> str:
    """Why a field is not read: another element's field, or none of DfE's (with the nearest)."""
    owners = [name for name, fields in FIELDS.items() if tag in fields]
    if owners:
        return f"is a field of {' and '.join(owners)}, not of {parent}"
    near = _nearest(parent, tag)
    return f"is not a field of {parent} in DfE's layout" + (f" (is it {near}?)" if near else "")


DECLARED = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([\w.-]+)")


def _not_utf8(path: Path, line: int | None) -> tuple[str, int] | None:
    """Why expat stopped at `line`, and the line, if it is at a byte that is not UTF-8 in a file
    read as UTF-8 (none declared, or UTF-8) and that is text in Windows-1252: Excel's and many
    Windows tools' encoding. A binary file (a NUL byte) is not text."""
    data = path.read_bytes()
    declared = DECLARED.match(data)
    if (declared and declared[1].lower() not in (b"utf-8", b"utf8")) or b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as error:
        start = error.start
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    at = data[:start].count(b"\n") + 1
    if line is not None and at > line:  # not well-formed before the byte
        return None
    said = "declares UTF-8" if declared else "declares no encoding, so must be UTF-8"
    mend = "change its declaration to" if declared else "declare it in the first line"
    return (
        f"cannot be read as XML: byte 0x{data[start]:02x} on line {at} (offset {start}) is not "
        f"UTF-8, and the file {said}: if it is Windows-1252, {mend} "
        '(<?xml version="1.0" encoding="windows-1252"?>) or save the file as UTF-8',
        at,
    )


def read(path: Path, year: int, label: str) -> tuple[dict, list[Problem]]:
    """Each table's values as text under DfE's CSV column names, with the position of the
    element each row came from (the n-th CHILD, or for episodes the n-th EPISODE), and the
    problems of the file's shape. A file that is not well-formed XML, declares entities, or is
    not an SSDA903 return is refused (FileProblem) naming its line."""
    target = _Return(label, year)
    parser = XMLParser(target=target, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    expat = parser.parser  # defused: declaring an entity raises; the target gets the rest
    target.line = lambda: expat.CurrentLineNumber
    expat.StartElementHandler = target.start
    expat.EndElementHandler = target.end
    expat.CharacterDataHandler = target.data

    def refuse(text: str, line: int | None):
        return FileProblem(Problem(year, label, line, "", "", text, FILE_NOT_LOADED))

    try:
        with no_gc(), path.open("rb") as f:
            while chunk := f.read(CHUNK):
                parser.feed(chunk)
            parser.close()
    except ParseError as error:
        line = error.position[0] if error.position else None
        if not_utf8 := _not_utf8(path, line):
            raise refuse(*not_utf8) from None
        raise refuse(f"cannot be read as XML (not well-formed: {error})", line) from None
    except DefusedXmlException as error:
        raise refuse(
            f"cannot be read as XML: it declares or uses entities ({error}), which a return "
            "never needs and which are refused for safety",
            target.line(),
        ) from None
    if not target.children:
        raise refuse(f"cannot be read as an SSDA903 return: no CHILD element in {ROOT}", None)
    for (parent, tag), line in target.misnamed.items():
        near = _nearest(parent, tag)
        if near in NEEDED and (parent, near) not in target.present:  # misnamed everywhere
            raise refuse(
                f"cannot be read: {parent}/{tag}, not a field of DfE's layout, is where "
                f"{near} should be, and no {parent} has {near}: is it {near} misnamed? (a "
                "field the figures need, read as blank in every row)",
                line,
            )
    tables = {}
    for name in TABLES:
        columns = [col.name for col in FILES[name].cols]
        raw = pd.DataFrame(target.records[name] or None, columns=columns, dtype=str)
        tables[name] = (
            raw.fillna(""),
            pd.Series(target.rows[name], index=raw.index, dtype="int64"),
        )
    return tables, target.problems
