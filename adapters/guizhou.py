"""The 14 clouds of Guizhou's integrated public cloud and the public bodies that use them, as data.

One place for the names, so the simulator, the fleet generator and the tests agree on what exists.
Classified bodies (public security, state security, ...) are deliberately absent: their systems
never run on these clouds. Relative sizes are rough shares of the province's workloads, used only to
size the simulated fleet.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.protocol import CloudInfo, DepartmentInfo


@dataclass(frozen=True)
class City:
    """A prefecture-level city (市/州) with its own city cloud."""

    cloud: str  # cloud id, e.g. "gy"
    pinyin: str  # the `city` field of clouds, departments and workloads, e.g. "guiyang"
    name: str  # 贵阳市
    short: str  # 贵阳 (used to build department names)
    name_en: str
    mlps_level: int
    size: float  # relative share of the province's workloads
    counties: tuple[tuple[str, str, str], ...]  # (slug, 中文名, English name) of real counties/districts


CITIES: tuple[City, ...] = (
    City("gy", "guiyang", "贵阳市", "贵阳", "Guiyang", 3, 16.0, (
        ("huaxi", "花溪区", "Huaxi District"), ("guanshanhu", "观山湖区", "Guanshanhu District"),
        ("qingzhen", "清镇市", "Qingzhen"), ("nanming", "南明区", "Nanming District"),
        ("yunyan", "云岩区", "Yunyan District"))),
    City("zy", "zunyi", "遵义市", "遵义", "Zunyi", 3, 8.0, (
        ("honghuagang", "红花岗区", "Honghuagang District"), ("huichuan", "汇川区", "Huichuan District"),
        ("bozhou", "播州区", "Bozhou District"), ("renhuai", "仁怀市", "Renhuai"), ("chishui", "赤水市", "Chishui"))),
    City("lps", "liupanshui", "六盘水市", "六盘水", "Liupanshui", 2, 4.0, (
        ("zhongshan", "钟山区", "Zhongshan District"), ("shuicheng", "水城区", "Shuicheng District"),
        ("panzhou", "盘州市", "Panzhou"), ("liuzhi", "六枝特区", "Liuzhi Special District"))),
    City("as", "anshun", "安顺市", "安顺", "Anshun", 2, 3.5, (
        ("xixiu", "西秀区", "Xixiu District"), ("pingba", "平坝区", "Pingba District"),
        ("puding", "普定县", "Puding County"), ("zhenning", "镇宁布依族苗族自治县", "Zhenning County"))),
    City("bj", "bijie", "毕节市", "毕节", "Bijie", 2, 5.0, (
        ("qixingguan", "七星关区", "Qixingguan District"), ("qianxi", "黔西市", "Qianxi"),
        ("dafang", "大方县", "Dafang County"), ("weining", "威宁彝族回族苗族自治县", "Weining County"),
        ("zhijin", "织金县", "Zhijin County"))),
    City("tr", "tongren", "铜仁市", "铜仁", "Tongren", 3, 3.5, (
        ("bijiang", "碧江区", "Bijiang District"), ("wanshan", "万山区", "Wanshan District"),
        ("songtao", "松桃苗族自治县", "Songtao County"), ("sinan", "思南县", "Sinan County"))),
    City("qdn", "qiandongnan", "黔东南苗族侗族自治州", "黔东南州", "Qiandongnan Prefecture", 3, 4.0, (
        ("kaili", "凯里市", "Kaili"), ("leishan", "雷山县", "Leishan County"),
        ("liping", "黎平县", "Liping County"), ("zhenyuan", "镇远县", "Zhenyuan County"))),
    City("qn", "qiannan", "黔南布依族苗族自治州", "黔南州", "Qiannan Prefecture", 3, 4.0, (
        ("duyun", "都匀市", "Duyun"), ("fuquan", "福泉市", "Fuquan"),
        ("libo", "荔波县", "Libo County"), ("pingtang", "平塘县", "Pingtang County"))),
    City("qxn", "qianxinan", "黔西南布依族苗族自治州", "黔西南州", "Qianxinan Prefecture", 3, 3.5, (
        ("xingyi", "兴义市", "Xingyi"), ("xingren", "兴仁市", "Xingren"),
        ("anlong", "安龙县", "Anlong County"), ("zhenfeng", "贞丰县", "Zhenfeng County"))),
)
CITY_BY_CLOUD: dict[str, City] = {c.cloud: c for c in CITIES}
CITY_BY_PINYIN: dict[str, City] = {c.pinyin: c for c in CITIES}

PROVINCE_CLOUD = "gz-gov"
BACKUP_CLOUD = "gz-backup"
INDUSTRY_CLOUDS: dict[str, str] = {"education": "edu", "health": "health", "transport": "transport"}

ADAPTER = "simulated"

CLOUDS: tuple[CloudInfo, ...] = (
    CloudInfo(PROVINCE_CLOUD, "贵州省政务云", "Guizhou Provincial Government Cloud", "province", None, None, 3, ADAPTER),
    CloudInfo(BACKUP_CLOUD, "贵州省政务云灾备节点", "Guizhou Government Cloud Backup Node", "backup", None, None, 3, ADAPTER),
    *(CloudInfo(c.cloud, f"{c.short}政务云", f"{c.name_en} Government Cloud", "city", c.pinyin, None, c.mlps_level,
                ADAPTER) for c in CITIES),
    CloudInfo("edu", "贵州教育行业云", "Guizhou Education Industry Cloud", "industry", None, "education", 3, ADAPTER),
    CloudInfo("health", "贵州卫生健康行业云", "Guizhou Health Industry Cloud", "industry", None, "health", 3, ADAPTER),
    CloudInfo("transport", "贵州交通运输行业云", "Guizhou Transport Industry Cloud", "industry", None, "transport", 2,
              ADAPTER),
)
CLOUD_BY_ID: dict[str, CloudInfo] = {c.id: c for c in CLOUDS}

# Relative share of the province's workloads per cloud (the backup node is sized separately).
CLOUD_SIZE: dict[str, float] = {
    PROVINCE_CLOUD: 28.0, **{c.cloud: c.size for c in CITIES}, "edu": 7.0, "health": 9.0, "transport": 4.0,
}

# Province bodies: (slug, 中文名, English name, domain). Non-classified only.
_PROVINCE_BODIES: tuple[tuple[str, str, str, str], ...] = (
    ("prov-bigdata-bureau", "贵州省大数据发展管理局", "Guizhou Big Data Development Administration", "bigdata"),
    ("prov-health-commission", "贵州省卫生健康委员会", "Guizhou Health Commission", "health"),
    ("prov-education-dept", "贵州省教育厅", "Guizhou Department of Education", "education"),
    ("prov-transport-dept", "贵州省交通运输厅", "Guizhou Department of Transport", "transport"),
    ("prov-hrss-dept", "贵州省人力资源和社会保障厅", "Guizhou Department of Human Resources and Social Security", "hrss"),
    ("prov-civil-affairs", "贵州省民政厅", "Guizhou Department of Civil Affairs", "general"),
    ("prov-natural-resources", "贵州省自然资源厅", "Guizhou Department of Natural Resources", "general"),
    ("prov-ecology-environment", "贵州省生态环境厅", "Guizhou Department of Ecology and Environment", "general"),
    ("prov-agriculture-rural", "贵州省农业农村厅", "Guizhou Department of Agriculture and Rural Affairs", "general"),
    ("prov-housing-construction", "贵州省住房和城乡建设厅", "Guizhou Department of Housing and Urban-Rural Development",
     "general"),
    ("prov-culture-tourism", "贵州省文化和旅游厅", "Guizhou Department of Culture and Tourism", "general"),
    ("prov-market-regulation", "贵州省市场监督管理局", "Guizhou Administration for Market Regulation", "general"),
    ("prov-medical-security", "贵州省医疗保障局", "Guizhou Healthcare Security Administration", "hrss"),
    ("prov-gov-service-center", "贵州省政务服务中心", "Guizhou Government Service Center", "bigdata"),
)

# City bureaus: (suffix, 中文后缀, English suffix, domain); each city has all four.
_CITY_BUREAUS: tuple[tuple[str, str, str, str], ...] = (
    ("bigdata-bureau", "大数据发展管理局", "Big Data Development Administration", "bigdata"),
    ("health-bureau", "卫生健康局", "Health Bureau", "health"),
    ("education-bureau", "教育局", "Education Bureau", "education"),
    ("hrss-bureau", "人力资源和社会保障局", "Human Resources and Social Security Bureau", "hrss"),
)

# Industry bodies: (slug, 中文名, English name, industry, level, city cloud or None, parent).
_INDUSTRY_BODIES: tuple[tuple[str, str, str, str, str, str | None, str], ...] = (
    ("edu-guizhou-university", "贵州大学", "Guizhou University", "education", "province", None, "prov-education-dept"),
    ("edu-guizhou-normal-university", "贵州师范大学", "Guizhou Normal University", "education", "province", None,
     "prov-education-dept"),
    ("edu-gz-exam-authority", "贵州省招生考试院", "Guizhou Education Examination Authority", "education", "province",
     None, "prov-education-dept"),
    ("edu-gy-no1-high-school", "贵阳市第一中学", "Guiyang No.1 High School", "education", "city", "gy",
     "gy-education-bureau"),
    ("edu-zy-no4-high-school", "遵义市第四中学", "Zunyi No.4 High School", "education", "city", "zy",
     "zy-education-bureau"),
    ("edu-kaili-university", "凯里学院", "Kaili University", "education", "city", "qdn", "qdn-education-bureau"),
    ("health-gz-provincial-hospital", "贵州省人民医院", "Guizhou Provincial People's Hospital", "health", "province",
     None, "prov-health-commission"),
    ("health-gmu-affiliated-hospital", "贵州医科大学附属医院", "Affiliated Hospital of Guizhou Medical University",
     "health", "province", None, "prov-health-commission"),
    ("health-gz-cdc", "贵州省疾病预防控制中心", "Guizhou Center for Disease Control and Prevention", "health",
     "province", None, "prov-health-commission"),
    ("health-gy-first-hospital", "贵阳市第一人民医院", "Guiyang First People's Hospital", "health", "city", "gy",
     "gy-health-bureau"),
    ("health-zy-first-hospital", "遵义市第一人民医院", "Zunyi First People's Hospital", "health", "city", "zy",
     "zy-health-bureau"),
    ("health-bj-first-hospital", "毕节市第一人民医院", "Bijie First People's Hospital", "health", "city", "bj",
     "bj-health-bureau"),
    ("transport-gz-expressway", "贵州高速公路集团有限公司", "Guizhou Expressway Group", "transport", "province", None,
     "prov-transport-dept"),
    ("transport-gy-public-transit", "贵阳公共交通（集团）有限公司", "Guiyang Public Transport Group", "transport",
     "city", "gy", "gy-bigdata-bureau"),
    ("transport-gy-metro", "贵阳市城市轨道交通集团有限公司", "Guiyang Urban Rail Transit Group", "transport", "city",
     "gy", "gy-bigdata-bureau"),
    ("transport-zy-public-transit", "遵义市公共交通（集团）有限责任公司", "Zunyi Public Transport Group", "transport",
     "city", "zy", "zy-bigdata-bureau"),
)

# County bodies rotate through these, each under the matching city bureau.
_COUNTY_BODIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("bigdata-center", "大数据发展中心", "Big Data Development Center", "bigdata", "bigdata-bureau"),
    ("health-bureau", "卫生健康局", "Health Bureau", "health", "health-bureau"),
    ("education-bureau", "教育局", "Education Bureau", "education", "education-bureau"),
    ("hrss-bureau", "人力资源和社会保障局", "Human Resources and Social Security Bureau", "hrss", "hrss-bureau"),
)


def _build_departments() -> tuple[list[DepartmentInfo], dict[str, str]]:
    """Parents always come before their children (the service inserts them in this order)."""
    depts: list[DepartmentInfo] = []
    domain: dict[str, str] = {}
    for slug, zh, en, dom in _PROVINCE_BODIES:
        depts.append(DepartmentInfo(slug, zh, en, "province", None, None, None))
        domain[slug] = dom
    for c in CITIES:
        for suffix, zh, en, dom in _CITY_BUREAUS:
            slug = f"{c.cloud}-{suffix}"
            depts.append(DepartmentInfo(slug, f"{c.short}{zh}", f"{c.name_en} {en}", "city", c.pinyin, None, None))
            domain[slug] = dom
    for slug, zh, en, industry, level, cloud, parent in _INDUSTRY_BODIES:
        city = CITY_BY_CLOUD[cloud].pinyin if cloud else None
        depts.append(DepartmentInfo(slug, zh, en, level, city, industry, parent))  # type: ignore[arg-type]
        domain[slug] = industry
    for c in CITIES:
        for i, (county, county_zh, county_en) in enumerate(c.counties):
            suffix, zh, en, dom, parent = _COUNTY_BODIES[i % len(_COUNTY_BODIES)]
            slug = f"{c.cloud}-{county}-{suffix}"
            depts.append(DepartmentInfo(slug, f"{county_zh}{zh}", f"{county_en} {en}", "county", c.pinyin, None,
                                        f"{c.cloud}-{parent}"))
            domain[slug] = dom
    # A county hospital under a city health bureau, so industry clouds also serve county level.
    depts.append(DepartmentInfo("health-renhuai-peoples-hospital", "仁怀市人民医院", "Renhuai People's Hospital",
                                "county", "zunyi", "health", "zy-health-bureau"))
    domain["health-renhuai-peoples-hospital"] = "health"
    return depts, domain


_DEPTS, DEPARTMENT_DOMAIN = _build_departments()
DEPARTMENTS: tuple[DepartmentInfo, ...] = tuple(_DEPTS)
DEPARTMENT_BY_ID: dict[str, DepartmentInfo] = {d.id: d for d in DEPARTMENTS}

# Systems a body of each domain typically runs: (中文名, English slug).
SYSTEMS: dict[str, tuple[tuple[str, str], ...]] = {
    "general": (("政务服务平台", "gov-service"), ("协同办公系统", "office"), ("门户网站", "portal"),
                ("档案管理系统", "archives"), ("业务审批系统", "approval"), ("视频会议系统", "video-conf")),
    "bigdata": (("数据共享交换平台", "data-exchange"), ("政务数据中台", "data-middle-platform"),
                ("一网通办平台", "one-stop-service"), ("数据目录系统", "data-catalog"), ("开放数据平台", "open-data")),
    "health": (("全民健康信息平台", "health-info"), ("医院信息系统", "his"), ("影像归档系统", "pacs"),
               ("电子病历系统", "emr"), ("预约挂号平台", "appointments")),
    "education": (("智慧教育平台", "smart-education"), ("学籍管理系统", "student-records"),
                  ("在线学习平台", "e-learning"), ("招生考试系统", "admissions")),
    "transport": (("公交调度系统", "bus-dispatch"), ("出行服务平台", "mobility-service"),
                  ("路网监测系统", "road-monitoring"), ("电子站牌系统", "e-stop-signs")),
    "hrss": (("社保经办系统", "social-insurance"), ("就业服务平台", "employment"), ("医保结算系统", "medical-claims")),
}


def home_cloud(tier: str, city: str | None, industry: str | None) -> str | None:
    """The contract's home cloud: industry cloud first, else province or the city's cloud."""
    if industry is not None:
        return INDUSTRY_CLOUDS.get(industry)
    if tier == "province":
        return PROVINCE_CLOUD
    c = CITY_BY_PINYIN.get(city or "")
    return c.cloud if c else None


def department_home(dept: DepartmentInfo) -> str:
    """Home cloud of a department's workloads."""
    cloud = home_cloud(dept.level, dept.city, dept.industry)
    assert cloud is not None, dept.id
    return cloud
