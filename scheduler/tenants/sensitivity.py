"""Which catalog fields hold personal information, and the rule that keeps it from unconditional opening.

The Personal Information Protection Law (个人信息保护法) distinguishes personal information (个人信息:
anything that identifies a natural person, art. 4) from sensitive personal information (敏感个人信息:
identity documents, biometrics, religion, health, financial accounts, whereabouts, minors' data;
art. 28), which needs a specific purpose and separate consent. Neither may be opened to society
unconditionally (无条件开放): the province opens such data only conditionally, under an agreement that
names the user and the purpose, or not at all.

Every field carries a `sensitivity`; a field given without one gets the level its name suggests
(`detect`), so the demo's 身份证号 is sensitive and 姓名 personal without anyone having to say so.
"""

from __future__ import annotations

from typing import Any

from scheduler.core.messages import Msg, msg
from scheduler.core.refusal import Refusal

LEVELS = ("none", "personal", "sensitive")
"""none | personal (个人信息) | sensitive (敏感个人信息)."""

# Parts of a field's name that mark it, Chinese and English, lower-cased; the sensitive ones are checked first.
_SENSITIVE = ("身份证", "证件号", "护照", "社会保障号", "社保号", "银行卡", "银行账", "账号", "病历", "诊断", "病史", "健康",
              "医疗记录", "宗教", "信仰", "指纹", "人脸", "面部", "虹膜", "声纹", "基因", "生物识别", "行踪", "轨迹", "定位",
              "犯罪", "前科", "性取向", "未成年", "id_card", "idcard", "id_number", "passport", "ssn", "bank_account",
              "card_no", "diagnosis", "medical_record", "health_record", "religion", "fingerprint", "face_image",
              "biometric", "gps_track", "location_track", "criminal")
_PERSONAL = ("姓名", "名字", "户籍", "住址", "家庭地址", "居住地", "现住址", "手机", "电话", "联系方式", "邮箱", "电子邮件",
             "出生日期", "生日", "性别", "民族", "婚姻", "学历", "工作单位", "车牌", "personal_name", "full_name",
             "surname", "given_name", "phone", "mobile", "email", "birth_date", "date_of_birth", "gender",
             "home_address", "licence_plate", "license_plate")
# Names that look personal but describe organisations or places, not people.
_NOT_PERSONAL = ("单位名称", "机构名称", "场所名称", "企业名称", "法人单位", "注册地址", "统一社会信用代码")


def detect(name: str) -> str:
    """The level a field's name suggests: a default the owner may change, never a verdict."""
    low = name.lower()
    if any(x in low for x in _NOT_PERSONAL):
        return "none"
    if any(x in low for x in _SENSITIVE):
        return "sensitive"
    if any(x in low for x in _PERSONAL):
        return "personal"
    return "none"


def level(field: dict[str, Any]) -> str:
    """A stored field's level: its own, or (written before fields had one) the detected default."""
    v = field.get("sensitivity")
    return v if v in LEVELS else detect(str(field.get("name", "")))


def exposed(fields: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """The fields holding personal or sensitive personal information, with their index."""
    return [(i, f) for i, f in enumerate(fields) if level(f) != "none"]


def refuse_unconditional_opening(fields: list[dict[str, Any]], open_attribute: str, status: int, whose: Msg) -> None:
    """Refuse (naming the first such field) an unconditional opening of personal information; `whose`
    says which data set would open it."""
    if open_attribute != "open":
        return
    found = exposed(fields)
    if not found:
        return
    i, f = found[0]
    what = msg(f"sensitivity.level.{level(f)}")
    others = [str(x["name"]) for _, x in found[1:]]
    said = (msg("sensitivity.not_unconditionally_also", field=repr(f["name"]), what=what, whose=whose, others=others)
            if others else msg("sensitivity.not_unconditionally", field=repr(f["name"]), what=what, whose=whose))
    raise Refusal(status, f"fields[{i}].sensitivity", said)
