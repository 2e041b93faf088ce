"""Repository checks: the add-ons are well-formed OCA add-ons that build wheels."""

import ast
import csv
import os
import subprocess
import sys
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = [
    "omnichannel_orders",
    "channel_connectors",
    "supplier_dropship",
    "channel_settlements",
]
ODOO_DEPENDENCIES = {
    "omnichannel_orders": {"sale_management", "sale_stock", "account", "mail"},
    "channel_connectors": {"omnichannel_orders", "queue_job"},
    "supplier_dropship": {
        "omnichannel_orders",
        "purchase_stock",
        "stock_dropshipping",
    },
    "channel_settlements": {"channel_connectors", "account"},
}


def manifest(addon):
    with open(os.path.join(ROOT, "addons", addon, "__manifest__.py")) as fh:
        return ast.literal_eval(fh.read())


@pytest.mark.parametrize("addon", ADDONS)
def test_manifest(addon):
    data = manifest(addon)
    assert data["version"] == "18.0.1.0.0" or data["version"].startswith("18.0.")
    assert data["license"] == "LGPL-3"
    assert "description" not in data
    assert ODOO_DEPENDENCIES[addon] <= set(data["depends"])
    for path in data.get("data", []) + data.get("demo", []):
        assert os.path.exists(os.path.join(ROOT, "addons", addon, path)), path


def test_dependencies_point_one_way():
    assert "channel_connectors" not in manifest("omnichannel_orders")["depends"]
    assert "supplier_dropship" not in manifest("omnichannel_orders")["depends"]
    assert "channel_connectors" not in manifest("supplier_dropship")["depends"]
    for addon in ADDONS[1:]:
        assert "omnichannel_orders" in manifest(addon)["depends"] or (
            "channel_connectors" in manifest(addon)["depends"]
        )


@pytest.mark.parametrize("addon", ADDONS)
def test_addon_layout(addon):
    base = os.path.join(ROOT, "addons", addon)
    for path in (
        "readme/DESCRIPTION.md",
        "README.rst",
        "pyproject.toml",
        "security/ir.model.access.csv",
        "static/description/icon.png",
        "tests/__init__.py",
    ):
        assert os.path.exists(os.path.join(base, path)), path
    with open(os.path.join(base, "security/ir.model.access.csv")) as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(row["id"].startswith("access_") for row in rows)


def test_readmes_are_generated_from_fragments():
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "gen_readme.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


def test_no_odoo_import_in_simulators():
    for dirpath, _dirs, files in os.walk(os.path.join(ROOT, "simulators")):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(dirpath, name)) as fh:
                    text = fh.read()
                assert "import odoo" not in text and "from odoo" not in text, name


def test_simulator_modules_stay_small():
    """The simulators are split by responsibility (simulators/README.md): no
    module of theirs grows past 600 lines."""
    for dirpath, _dirs, files in os.walk(os.path.join(ROOT, "simulators")):
        if os.path.basename(dirpath) == "tests":
            continue
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(dirpath, name)) as fh:
                    assert len(fh.readlines()) <= 600, os.path.join(dirpath, name)


def test_simulators_importable_from_anywhere(tmp_path):
    """``make setup`` installs the simulators as a package: no sys.path edits."""
    proc = subprocess.run(
        [sys.executable, "-c", "import simulators.lazada, simulators.core"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif(
    subprocess.run(
        ["git", "-C", ROOT, "rev-parse", "--is-inside-work-tree"], capture_output=True
    ).returncode,
    reason="not a git checkout: whool packs git-tracked files only",
)
def test_addons_build_wheels(tmp_path):
    for addon in ADDONS:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--quiet",
                "-w",
                str(tmp_path),
                os.path.join(ROOT, "addons", addon),
            ],
            check=True,
        )
    wheels = sorted(os.listdir(tmp_path))
    assert len(wheels) == len(ADDONS), wheels
    for addon, wheel in zip(sorted(ADDONS), wheels, strict=True):
        assert wheel.startswith(f"odoo_addon_{addon}-18.0."), wheel
        with zipfile.ZipFile(tmp_path / wheel) as zf:
            names = zf.namelist()
            assert f"odoo/addons/{addon}/__manifest__.py" in names
            meta = zf.read(next(n for n in names if n.endswith("METADATA"))).decode()
            assert "Requires-Dist: odoo==18.0.*" in meta
