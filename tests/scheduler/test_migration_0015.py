"""Migration 0015_catalog_sensitivity: entries stored before fields had a sensitivity get the level each
field's name suggests, and the default licence and format; nothing else of them changes."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa


def test_stored_fields_get_their_detected_sensitivity(tmp_path: Path) -> None:
    from scheduler.core.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0013")
    engine = sa.create_engine(url)
    fields = [{"name": "身份证号", "type": "string", "description": ""}, {"name": "姓名", "type": "string", "description": "x"},
              {"name": "床位数", "type": "integer", "description": ""}, {"name": "地址", "type": "string", "description": "",
                                                                       "sensitivity": "personal"}]
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO department (id, name, name_en, level) VALUES ('d1', '部门', 'Dept', 'province')"))
        conn.execute(sa.text(
            "INSERT INTO catalog_entry (code, name, description, owner_department_id, system, fields, category, grade, "
            "update_frequency, share_attribute, share_condition, open_attribute, return_flow, state, search_text, version, "
            "created_at, updated_at) VALUES ('GZ-d1-00001', 'n', '', 'd1', 's', :f, 'base', 'general', 'daily', "
            "'conditional', 'c', 'conditional', false, 'active', '', 3, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"),
            {"f": json.dumps(fields, ensure_ascii=False)})
    upgrade(url)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT fields, licence, data_format, version FROM catalog_entry")).one()
    got = json.loads(row.fields)
    assert [f["sensitivity"] for f in got] == ["sensitive", "personal", "none", "personal"]  # a level given is kept
    assert [f["description"] for f in got] == ["", "x", "", ""]
    assert (row.licence, row.data_format, row.version) == ("CC-BY-4.0", "csv", 3)
