"""A demo catalog for `serve --demo`: a few entries per province body and city bureau, some published."""

from __future__ import annotations

from sqlmodel import Session, select

from scheduler.core.db import utcnow
from scheduler.core.models import Department
from scheduler.tenants import sensitivity
from scheduler.tenants.catalog import DATA_FORMATS
from scheduler.tenants.models import CatalogEntry
from scheduler.tenants.opendata import PUBLISHABLE

_RESOURCES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("人口基础信息", "人口信息系统", ("身份证号", "姓名", "性别", "出生日期", "户籍地址")),
    ("法人单位基础信息", "法人库", ("统一社会信用代码", "单位名称", "法定代表人", "注册地址")),
    ("电子证照目录", "电子证照系统", ("证照编号", "证照类型", "持证主体", "有效期")),
    ("行政许可信息", "政务服务网", ("许可编号", "许可事项", "许可对象", "许可日期")),
    ("行政处罚信息", "执法监管平台", ("处罚文书号", "违法事实", "处罚结果", "处罚日期")),
    ("公共场所名录", "公共服务系统", ("场所名称", "地址", "类型", "开放时间")),
    ("统计年鉴数据", "统计数据库", ("指标", "年份", "地区", "数值")),
    ("空气质量监测数据", "环境监测系统", ("站点", "时间", "AQI", "PM25")),
    ("道路运输许可信息", "运输管理系统", ("许可证号", "经营者", "经营范围", "有效期")),
    ("医疗机构名录", "卫生监督系统", ("机构名称", "机构类别", "地址", "床位数")),
)
_ATTRS = (("unconditional", "open", "general"), ("conditional", "conditional", "general"),
          ("conditional", "closed", "important"), ("unconditional", "open", "general"), ("none", "closed", "core"))


def seed_demo_catalog(session: Session) -> int:
    """A demo catalog (first start only): a few entries per province body and city bureau, some published.

    Fields carry the sensitivity their names suggest, and a resource holding personal information is
    opened conditionally at most (never 无条件开放), as the service itself would insist."""
    if session.exec(select(CatalogEntry.id)).first() is not None:
        return 0
    depts = session.exec(select(Department).where(Department.level != "county").order_by(Department.id)).all()
    n = 0
    freqs = ("daily", "weekly", "monthly", "yearly", "realtime")
    for i, d in enumerate(depts):
        for k in range(3):
            name, system, fields = _RESOURCES[(i + k) % len(_RESOURCES)]
            share, open_, grade = _ATTRS[(i * 3 + k) % len(_ATTRS)]
            rows = [{"name": f, "type": "string", "description": "", "sensitivity": sensitivity.detect(f)} for f in fields]
            if open_ == "open" and sensitivity.exposed(rows):
                open_ = "conditional"
            n += 1
            code = f"GZ-{d.id}-{n:05d}"
            session.add(CatalogEntry(
                search_text=f"{code} {d.name}{name} {d.name_en}: {name} {system} {' '.join(fields)}".lower(),
                code=code, name=f"{d.name}{name}", description=f"{d.name_en}: {name}", owner_department_id=d.id,
                system=system, fields=rows, data_format=DATA_FORMATS[(i + k) % len(DATA_FORMATS)],
                category=("base", "theme", "department")[k], grade=grade, update_frequency=freqs[(i + k) % len(freqs)],
                share_attribute=share, share_condition="" if share == "unconditional" else "依申请共享，限履职使用",
                open_attribute=open_, return_flow=k == 0,
                published_at=utcnow() if open_ in PUBLISHABLE and k != 2 else None))
    session.flush()
    return n
