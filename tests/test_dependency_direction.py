"""Dependencies point one way in the code, not only in the manifests.

An add-on's Python, XML and CSV files (its tests included) may only use what it or
the add-ons it depends on (directly or not) define: no import from another of our
add-ons, no XML id of it, none of the models it defines, none of the fields it adds
to a model. ``omnichannel_orders`` names no platform of the connectors (they add
their own values to ``omni.channel.platform``), and an add-on reads only the
precommit data it writes itself (the base add-on's history has a public hook).

Plain parsing (ast, ElementTree, csv): no Odoo needed. Odoo's own add-ons are not
checked (the manifests' tests cover them).
"""

import ast
import csv
import os
import re
import xml.etree.ElementTree as ET

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS_DIR = os.path.join(ROOT, "addons")
ADDONS = sorted(
    name
    for name in os.listdir(ADDONS_DIR)
    if os.path.isfile(os.path.join(ADDONS_DIR, name, "__manifest__.py"))
)
IDENTIFIER = r"[a-z_][a-z0-9_]*"


# ---------------------------------------------------------------------- reading
def _manifest(addon):
    with open(os.path.join(ADDONS_DIR, addon, "__manifest__.py")) as fh:
        return ast.literal_eval(fh.read())


def _closure(addon):
    """``addon`` and our add-ons it depends on, directly or not."""
    seen, todo = set(), [addon]
    while todo:
        name = todo.pop()
        if name in seen or name not in ADDONS:
            continue
        seen.add(name)
        todo.extend(_manifest(name).get("depends", []))
    return seen


def _files(addon, *extensions):
    for dirpath, dirs, files in os.walk(os.path.join(ADDONS_DIR, addon)):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", "description")]
        for name in sorted(files):
            if name.endswith(extensions):
                yield os.path.join(dirpath, name)


def _rel(path):
    return os.path.relpath(path, ROOT)


def _parse(path):
    with open(path, encoding="utf-8") as fh:
        return ast.parse(fh.read(), path)


def _docstrings(tree):
    """The string constants that are docstrings (not code)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(
            node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        ):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                ids.add(id(body[0].value))
    return ids


def _python_strings(tree):
    """(line, text) of the string constants of the code, docstrings left out."""
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
        ):
            yield node.lineno, node.value


def _python_names(tree):
    """(line, name) of the attributes read or written and the keyword arguments:
    where a field name can appear in Python besides strings."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            yield node.lineno, node.attr
        elif isinstance(node, ast.keyword) and node.arg:
            yield node.value.lineno, node.arg


def _xml_texts(path):
    """(tag, attribute or None, text) of every attribute value and text of an
    XML file."""
    for element in ET.parse(path).iter():
        if not isinstance(element.tag, str):
            continue
        for attribute, value in element.attrib.items():
            yield element.tag, attribute, value
        if element.text and element.text.strip():
            yield element.tag, None, element.text.strip()


def _csv_texts(path):
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            yield from row


def _model_classes(tree):
    """(class node, model names it defines or extends, whether it defines one)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        names, inherits = None, []
        for statement in node.body:
            if not isinstance(statement, ast.Assign):
                continue
            for target in statement.targets:
                if not isinstance(target, ast.Name):
                    continue
                value = statement.value
                if target.id == "_name" and isinstance(value, ast.Constant):
                    names = [value.value]
                elif target.id == "_inherit":
                    if isinstance(value, ast.Constant):
                        inherits = [value.value]
                    elif isinstance(value, ast.List | ast.Tuple):
                        inherits = [
                            elt.value
                            for elt in value.elts
                            if isinstance(elt, ast.Constant)
                        ]
        if names:
            yield node, names, True
        elif inherits:
            yield node, inherits, False


def _field_assignments(class_node):
    """(field name, call node) of the ``fields.X(...)`` of a model class."""
    for statement in class_node.body:
        if (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Attribute)
            and isinstance(statement.value.func.value, ast.Name)
            and statement.value.func.value.id == "fields"
        ):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    yield target.id, statement.value


def _platform_attributes(tree):
    """The ``platform = "<key>"`` of the classes (the adapters' keys)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            if (
                isinstance(statement, ast.Assign)
                and any(
                    isinstance(target, ast.Name) and target.id == "platform"
                    for target in statement.targets
                )
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                yield statement.value.value


def _definitions(addon):
    """What ``addon`` defines: its models, its fields ({model: names}), its XML
    ids and the platform keys it adds with ``selection_add`` or names in its
    classes (``platform = "<key>"``: the adapters)."""
    models, fields, xmlids, platforms = set(), {}, set(), set()
    for path in _files(addon, ".py"):
        tree = _parse(path)
        platforms |= set(_platform_attributes(tree))
        for class_node, model_names, new in _model_classes(tree):
            if new:
                models.update(model_names)
            for name, call in _field_assignments(class_node):
                for model in model_names:
                    fields.setdefault(model, set()).add(name)
                if name != "platform":
                    continue
                for keyword in call.keywords:
                    if keyword.arg == "selection_add":
                        for item in ast.literal_eval(keyword.value):
                            platforms.add(item[0])
    for path in _files(addon, ".xml"):
        for element in ET.parse(path).iter():
            if element.get("id") and "." not in element.get("id"):
                xmlids.add(element.get("id"))
    for model in models:
        xmlids.add("model_" + model.replace(".", "_"))
    return {
        "models": models,
        "fields": fields,
        "xmlids": xmlids,
        "platforms": platforms,
    }


DEFINITIONS = {addon: _definitions(addon) for addon in ADDONS}


def _visible(addon):
    """What ``addon`` may use of our add-ons: its own and its dependencies'."""
    closure = _closure(addon)
    models, field_names, xmlids = set(), set(), set()
    for name in closure:
        models |= DEFINITIONS[name]["models"]
        for names in DEFINITIONS[name]["fields"].values():
            field_names |= names
        xmlids |= {f"{name}.{xmlid}" for xmlid in DEFINITIONS[name]["xmlids"]}
    return closure, models, field_names, xmlids


def _foreign(addon):
    """What the add-ons ``addon`` does not depend on define and ``addon`` cannot
    see: their models, the fields they add to models ``addon`` knows, and their
    names (for XML ids and imports)."""
    closure, models, field_names, _xmlids = _visible(addon)
    others = [name for name in ADDONS if name not in closure]
    foreign_models = set()
    foreign_fields = {}
    for other in others:
        foreign_models |= DEFINITIONS[other]["models"] - models
        for model, names in DEFINITIONS[other]["fields"].items():
            if model in DEFINITIONS[other]["models"]:
                continue  # a model of its own: found by its name
            for name in names - field_names:
                foreign_fields.setdefault(name, other)
    return others, foreign_models, foreign_fields


# ---------------------------------------------------------------------- checks
def _imports(tree):
    """(line, add-on name) of the ``odoo.addons.<name>`` imports."""
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module]
        for module in modules:
            parts = module.split(".")
            if parts[:2] == ["odoo", "addons"] and len(parts) > 2:
                yield node.lineno, parts[2]


def _python_references(path, others, foreign_models, foreign_fields, xmlid_re):
    tree = _parse(path)
    for line, name in _imports(tree):
        if name in others:
            yield f"{_rel(path)}:{line}: import of {name}"
    for line, text in _python_strings(tree):
        if text in foreign_models:
            yield f"{_rel(path)}:{line}: model {text!r}"
        if text in foreign_fields:
            yield f"{_rel(path)}:{line}: field {text!r}"
        for match in xmlid_re.finditer(text):
            yield f"{_rel(path)}:{line}: XML id {match.group(0)!r}"
    for line, name in _python_names(tree):
        if name in foreign_fields:
            yield f"{_rel(path)}:{line}: field {name!r}"


def _xml_references(path, foreign_models, foreign_fields, xmlid_re):
    word_re = re.compile(r"\b" + IDENTIFIER + r"\b")
    for tag, attribute, text in _xml_texts(path):
        where = f"{_rel(path)}: <{tag}{' ' + attribute if attribute else ''}>"
        for match in xmlid_re.finditer(text):
            yield f"{where}: XML id {match.group(0)!r}"
        if text in foreign_models:
            yield f"{where}: model {text!r}"
        names = {text} if attribute == "name" else set(word_re.findall(text))
        for name in sorted(names & set(foreign_fields)):
            yield f"{where}: field {name!r}"


def _references(addon):
    """Every reference of ``addon`` to what an add-on it does not depend on
    defines: a list of "path:line: what" strings."""
    others, foreign_models, foreign_fields = _foreign(addon)
    if not others:
        return []
    xmlid_re = re.compile(
        r"(?<![\w.])(" + "|".join(map(re.escape, others)) + r")\." + IDENTIFIER
    )
    problems = []
    for path in _files(addon, ".py"):
        problems += _python_references(
            path, others, foreign_models, foreign_fields, xmlid_re
        )
    for path in _files(addon, ".xml"):
        problems += _xml_references(path, foreign_models, foreign_fields, xmlid_re)
    for path in _files(addon, ".csv"):
        for text in _csv_texts(path):
            for match in xmlid_re.finditer(text):
                problems.append(f"{_rel(path)}: XML id {match.group(0)!r}")
    return problems


@pytest.mark.parametrize("addon", ADDONS)
def test_no_reference_to_an_addon_not_depended_on(addon):
    assert _references(addon) == []


def test_the_base_addon_names_no_connector_platform():
    """omnichannel_orders keeps "none"; the connectors add their platforms."""
    keys = set()
    for addon in ADDONS:
        if addon != "omnichannel_orders":
            keys |= DEFINITIONS[addon]["platforms"]
    assert keys, "no add-on adds a platform"
    alternatives = "|".join(re.escape(key) for key in sorted(keys))
    quoted = re.compile(r"""(['"])(""" + alternatives + r")\1")
    problems = []
    for path in _files("omnichannel_orders", ".py"):
        for line, text in _python_strings(_parse(path)):
            if text in keys:
                problems.append(f"{_rel(path)}:{line}: {text!r}")
    for path in _files("omnichannel_orders", ".xml"):
        for tag, attribute, text in _xml_texts(path):
            if text in keys or quoted.search(text):
                problems.append(f"{_rel(path)}: <{tag} {attribute}>: {text!r}")
    for path in _files("omnichannel_orders", ".js"):
        with open(path, encoding="utf-8") as fh:
            for line, text in enumerate(fh, start=1):
                if quoted.search(text):
                    problems.append(f"{_rel(path)}:{line}: {text.strip()!r}")
    assert problems == []


PRECOMMIT_RE = re.compile(
    r"precommit\.data(?:\.(get|setdefault|pop)\(\s*|\[\s*)(['\"])([^'\"]+)\2"
)


@pytest.mark.parametrize("addon", ADDONS)
def test_precommit_data_is_read_by_its_writer_only(addon):
    """An add-on reads only the precommit data it writes (``setdefault``): the
    precommit data of another add-on is private; use its public hooks."""
    written, read = set(), []
    for path in _files(addon, ".py"):
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        for match in PRECOMMIT_RE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            if match.group(1) == "setdefault":
                written.add(match.group(3))
            else:
                read.append((match.group(3), f"{_rel(path)}:{line}"))
    assert [(key, where) for key, where in read if key not in written] == []


def test_the_checks_see_the_addons():
    """The parsing finds what it looks for (a check that sees nothing passes)."""
    base = DEFINITIONS["omnichannel_orders"]
    assert "omni.channel" in base["models"]
    assert "platform" in base["fields"]["omni.channel"]
    assert "sale_order_action_order_desk" in base["xmlids"]
    connectors = DEFINITIONS["channel_connectors"]
    assert {"lazada", "shopee", "tiktok"} <= connectors["platforms"]
    others, models, fields = _foreign("omnichannel_orders")
    assert "channel_connectors" in others
    assert "channel.sync.log" in models
    assert fields.get("connector_ready") == "channel_connectors"
