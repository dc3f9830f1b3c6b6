"""catalog fields carry a sensitivity (none, personal, sensitive: the Personal Information Protection
Law's 个人信息 and 敏感个人信息), filled here with the level each stored field's name suggests; entries
carry the licence and the file format their data is opened under

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 10:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


# The rule of scheduler/tenants/sensitivity.py as of this revision (a migration keeps its own copy: the
# service's rule may change later, what this revision wrote may not).
_SENSITIVE = ("身份证", "证件号", "护照", "社会保障号", "社保号", "银行卡", "银行账", "账号", "病历", "诊断", "病史", "健康",
              "医疗记录", "宗教", "信仰", "指纹", "人脸", "面部", "虹膜", "声纹", "基因", "生物识别", "行踪", "轨迹", "定位",
              "犯罪", "前科", "性取向", "未成年", "id_card", "idcard", "id_number", "passport", "ssn", "bank_account",
              "card_no", "diagnosis", "medical_record", "health_record", "religion", "fingerprint", "face_image",
              "biometric", "gps_track", "location_track", "criminal")
_PERSONAL = ("姓名", "名字", "户籍", "住址", "家庭地址", "居住地", "现住址", "手机", "电话", "联系方式", "邮箱", "电子邮件",
             "出生日期", "生日", "性别", "民族", "婚姻", "学历", "工作单位", "车牌", "personal_name", "full_name",
             "surname", "given_name", "phone", "mobile", "email", "birth_date", "date_of_birth", "gender",
             "home_address", "licence_plate", "license_plate")
_NOT_PERSONAL = ("单位名称", "机构名称", "场所名称", "企业名称", "法人单位", "注册地址", "统一社会信用代码")


def _level(field: dict) -> str:
    if field.get("sensitivity") in ("none", "personal", "sensitive"):
        return field["sensitivity"]
    low = str(field.get("name", "")).lower()
    if any(x in low for x in _NOT_PERSONAL):
        return "none"
    if any(x in low for x in _SENSITIVE):
        return "sensitive"
    return "personal" if any(x in low for x in _PERSONAL) else "none"


def upgrade() -> None:
    with op.batch_alter_table("catalog_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("licence", sa.String(), nullable=False, server_default="CC-BY-4.0"))
        batch_op.add_column(sa.Column("data_format", sa.String(), nullable=False, server_default="csv"))
    with op.batch_alter_table("catalog_entry", schema=None) as batch_op:
        batch_op.alter_column("licence", server_default=None)
        batch_op.alter_column("data_format", server_default=None)
    entry = sa.table("catalog_entry", sa.column("id", sa.Integer), sa.column("fields", sa.JSON))
    conn = op.get_bind()
    for row in conn.execute(sa.select(entry.c.id, entry.c.fields)).all():
        fields = [{**f, "sensitivity": _level(f)} for f in row.fields or []]
        if fields != (row.fields or []):
            conn.execute(entry.update().where(entry.c.id == row.id).values(fields=fields))


def downgrade() -> None:
    with op.batch_alter_table("catalog_entry", schema=None) as batch_op:
        batch_op.drop_column("data_format")
        batch_op.drop_column("licence")
