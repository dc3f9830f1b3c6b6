"""Every sentence the service says, as a code with parameters, rendered in the reader's language.

A reason, refusal or explanation is made as `msg("move.empties_host", host="gy-h0037")` and kept
as data (`{"code", "params"}`); it becomes words only when someone reads it, in their language:
the API's caller (`Accept-Language`, or `?lang=`; Chinese by default), the command line's user
(`LC_ALL` / `LC_MESSAGES` / `LANG`). The words live in gettext catalogs, one file per language
(`catalogs/zh_CN.po`, `catalogs/en.po`; msgid the code, msgstr a `str.format` template), read at
run time with Babel, so a translator edits one file and nothing is compiled.

A new sentence is a new code in both catalogs; tests/i18n fails if one language lacks it or the two
disagree on its parameters. In Chinese, parameters that name a cloud or a department are shown by
display name with the id beside it (see `set_namer`); nested messages and lists render in place
(optimizer.reason.render).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

from babel.messages.pofile import read_po

from optimizer.reason import Reason, render

LANGS = ("zh-CN", "en")
DEFAULT = "zh-CN"  # the console speaks Chinese unless asked otherwise
CATALOGS = Path(__file__).with_name("catalogs")
FILES = {"zh-CN": "zh_CN.po", "en": "en.po"}
# list separators per language: items (ids, resources) and clauses (a reason per cloud)
SEPARATORS = {"zh-CN": ("、", "；"), "en": (", ", "; ")}

_lang: ContextVar[str] = ContextVar("qianyun_lang", default=DEFAULT)


# ---------------------------------------------------------------- which language


def normalise(tag: str | None) -> str | None:
    """'zh', 'zh-CN', 'zh_CN.UTF-8', 'zh-Hans' -> 'zh-CN'; 'en', 'en-GB', 'en_US.UTF-8' -> 'en'; else None."""
    if not tag:
        return None
    t = tag.strip().split(".")[0].split("@")[0].replace("_", "-").lower()
    if t == "zh" or t.startswith("zh-"):
        return "zh-CN"
    if t == "en" or t.startswith("en-"):
        return "en"
    return None


def negotiate(accept_language: str | None, query: str | None = None) -> str:
    """The caller's language: `?lang=` if it names one we speak, else the best of `Accept-Language`
    by its q-values, else Chinese."""
    chosen = normalise(query)
    if chosen:
        return chosen
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        q = 1.0
        if rest.strip().startswith("q="):
            try:
                q = float(rest.strip()[2:])
            except ValueError:
                q = 0.0
        lang = normalise(tag)
        if lang and q > 0:
            ranked.append((-q, i, lang))
    return min(ranked)[2] if ranked else DEFAULT


def from_environment(env: Mapping[str, str] | None = None) -> str:
    """The command line's language, as gettext reads it: LC_ALL, then LC_MESSAGES, then LANG.
    The C/POSIX locale (or none) is English, as the shell's own tools speak it."""
    env = os.environ if env is None else env
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        v = env.get(name)
        if v:
            return normalise(v) or "en"
    return "en"


def current() -> str:
    return _lang.get()


def set_language(lang: str) -> None:
    """For the rest of this context (a request, a command)."""
    _lang.set(lang if lang in LANGS else DEFAULT)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    token = _lang.set(lang if lang in LANGS else DEFAULT)
    try:
        yield
    finally:
        _lang.reset(token)


# ---------------------------------------------------------------- the catalogs


@cache
def catalog(lang: str) -> dict[str, str]:
    """code -> template, from the language's .po file."""
    with open(CATALOGS / FILES[lang], "rb") as fh:
        po = read_po(fh)
    return {str(m.id): str(m.string) for m in po if m.id and m.string}


def fields(template: str) -> set[str]:
    """The parameter names a template uses."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in Formatter().parse(template) if name}


# ---------------------------------------------------------------- names for ids

Namer = Callable[[str, str, str], str | None]  # (kind, id, lang) -> display text, or None for unknown
_namer: Namer | None = None
# parameters whose values are ids of this kind (lists too): shown by name
NAMED = {"cloud": "cloud", "clouds": "cloud", "home": "cloud", "province": "cloud", "current": "cloud",
         "department": "department", "departments": "department", "scope": "scope"}


def set_namer(namer: Namer | None) -> None:
    """How ids become display names (the scheduler installs a lookup in its tables)."""
    global _namer
    _namer = namer


def _named(key: str, value: Any, lang: str) -> Any:
    """An id by its display name; a value of a closed set (tier, classification, city) in words."""
    if isinstance(value, str) and f"value.{key}.{value}" in catalog(lang):
        return catalog(lang)[f"value.{key}.{value}"]
    if (key == "amounts" or key.endswith("_amounts")) and isinstance(value, dict):
        return amounts(value, lang, keep_zeros=key != "amounts")  # "quota 0 vCPU": a named zero is a figure
    if key == "scopes" and isinstance(value, str):  # "province, city:gy": who approves, in words
        return SEPARATORS[lang][0].join(scope_label(k, lang) for k in value.split(", "))
    kind = NAMED.get(key)
    if kind is None or _namer is None or lang != "zh-CN":  # English keeps the ids it always showed
        return value
    if isinstance(value, str):
        return _namer(kind, value, lang) or value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [_namer(kind, v, lang) or v for v in value]
    return value


AMOUNT_ORDER = ("vcpu", "memory_gib", "gpu", "storage_gib")


def amounts(a: Mapping[str, float], lang: str | None = None, keep_zeros: bool = False) -> str:
    """{"vcpu": 212, "memory_gib": 1126} as '212 vCPU and 1.1 TiB memory' (or '212 vCPU、1.1 TiB 内存')."""
    lang = lang or current()
    parts = []
    for r in AMOUNT_ORDER:
        v = float(a.get(r, 0) or 0)
        if v <= 1e-9 and not (keep_zeros and r in a):
            continue
        if r in ("memory_gib", "storage_gib") and v >= 1024:
            parts.append(text(f"amount.{r.replace('_gib', '_tib')}", {"n": f"{v / 1024:.1f}"}, lang))
        else:
            parts.append(text(f"amount.{r}", {"n": f"{v:,.4g}" if v < 1000 else f"{v:,.0f}"}, lang))
    if not parts:
        return text("amount.nothing", {}, lang)
    if len(parts) == 1:
        return parts[0]
    return text("amount.last", {"first": SEPARATORS[lang][0].join(parts[:-1]), "last": parts[-1]}, lang)


def scope_label(key: str, lang: str | None = None) -> str:
    """An approval scope ("province", "city:gy") as who approves it."""
    kind, _, cloud = key.partition(":")
    if f"scope.{kind}" not in catalog("en"):
        return key
    return text(f"scope.{kind}", {"cloud": cloud} if cloud else {}, lang)


# ---------------------------------------------------------------- messages


def text(code: str, params: Mapping[str, Any] | None = None, lang: str | None = None) -> str:
    """The message in `lang` (the current language by default)."""
    lang = lang or current()
    out = render(code, _with_names(dict(params or {}), lang), _templates(lang), SEPARATORS[lang])
    # the catalog's Chinese sets a space around each parameter (an id reads apart from the words);
    # where the parameter itself is Chinese, the spaces go, as Chinese has none between words
    return _CJK_GAP.sub("", out) if lang == "zh-CN" else out


_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) +(?=[{_CJK}])")


def _with_names(params: dict[str, Any], lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in params.items():
        if isinstance(v, Reason):
            v = Reason(v.code, _with_names(dict(v.params), lang))
        elif isinstance(v, dict) and "code" in v:
            v = {"code": v["code"], "params": _with_names(dict(v.get("params") or {}), lang)}
        elif isinstance(v, (list, tuple)) and v and not isinstance(v[0], str):
            v = [_with_names({"x": x}, lang)["x"] for x in v]
        out[k] = _named(k, v, lang)
    return out


class _Templates(dict):  # type: ignore[type-arg]
    """A catalog that names the missing code instead of failing a page over one gap."""

    def __missing__(self, code: str) -> str:
        return code


@cache
def _templates(lang: str) -> _Templates:
    return _Templates(catalog(lang))


@dataclass(frozen=True)
class Msg(Reason):
    """A message of the service: Reason's shape (code, params), rendered from the catalogs."""

    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:  # type: ignore[override]
        """In English: what logs and exceptions carry."""
        return text(self.code, self.params, "en")

    def render(self, lang: str | None = None) -> str:
        return text(self.code, self.params, lang)

    def said(self, lang: str | None = None) -> dict[str, Any]:
        """{"code", "params", "text"}: what an API answer carries."""
        return {**self.to_json(), "text": self.render(lang)}


def say(what: Any, lang: str | None = None) -> str:
    """Words for anything that may carry a message: a Msg (or Reason), an exception raised with
    one, or plain text (shown as written)."""
    said, field = getattr(what, "said", None), getattr(what, "field", None)
    if isinstance(what, BaseException) and isinstance(said, Msg) and isinstance(field, str):
        return text("refusal.field", {"field": field, "message": said.render(lang)}, lang)  # "role：未知的角色"
    if isinstance(what, BaseException) and what.args and of(what.args[0]) is not None:
        what = what.args[0]
    m = of(what)
    return m.render(lang) if m is not None else str(what)


def msg(code: str, **params: Any) -> Msg:
    """A message; an unknown code fails at once (a typo never reaches a reader)."""
    if code not in catalog("en"):
        raise KeyError(f"no message {code!r} in the catalogs")
    return Msg(code, params)


def said(code: str, params: Mapping[str, Any] | None, lang: str | None = None) -> dict[str, Any]:
    """{"code", "params", "text"} for a stored code and its parameters."""
    return {"code": code, "params": dict(params or {}), "text": text(code, params, lang)}


def of(value: Any) -> Msg | None:
    """A stored message ({"code", "params"}) back as a Msg; None for anything else."""
    if isinstance(value, Msg):
        return value
    if isinstance(value, Reason):
        return Msg(value.code, dict(value.params))
    if isinstance(value, dict) and isinstance(value.get("code"), str):
        return Msg(value["code"], dict(value.get("params") or {}))
    return None


# ---------------------------------------------------------------- stored English back to a message


@cache
def _patterns(prefix: str) -> list[tuple[str, Any]]:

    out = []
    for code, template in catalog("en").items():
        if not code.startswith(prefix):
            continue
        rx, names = "", []
        for literal, name, spec, _ in Formatter().parse(template):
            rx += re.escape(literal)
            if name is not None:
                if name in names:
                    rx += f"(?P={name})"
                else:
                    names.append(name)
                    rx += f"(?P<{name}>.+?)" if not spec else f"(?P<{name}>\\S+?)"
        out.append((code, re.compile(rx + r"\Z", re.S)))
    # the longest literal text first: a specific sentence before a general one
    out.sort(key=lambda p: -len(catalog("en")[p[0]]))
    return out


def parse(english: str, prefix: str) -> Msg | None:
    """A sentence stored in English (a state reason written before it was data) back as its message,
    if one of the catalog's `prefix` templates made it; None otherwise."""
    for code, rx in _patterns(prefix):
        hit = rx.match(english or "")
        if hit:
            params: dict[str, Any] = hit.groupdict()
            if "why" in params:  # "approved for X; waiting for approval from Y"; a drill's "plan 5 failed: <its reason>"
                inner = parse(params["why"], prefix) or (parse(params["why"], "state.") if prefix != "state." else None)
                if inner is not None:
                    params["why"] = inner
            if "deny" in params:  # a plan note's "site policy denies <what a deny entry covers>"
                params["deny"] = parse(params["deny"], "note.deny.") or params["deny"]
            if isinstance(params.get("clouds"), str):  # "gy, zy": each by its name
                params["clouds"] = params["clouds"].split(", ")
            if "which" in params:  # clauses of their own: "a stays on h1: ...; b stays on h2: ...; and 3 more"
                clauses = [parse(c, prefix) for c in params["which"].split("; ")]
                if all(clauses):
                    params["which"] = clauses
            return Msg(code, params)
    return None


def words(english: str, prefix: str, lang: str | None = None) -> str:
    """A stored English sentence in `lang`: rendered from its message if the catalog knows it."""
    m = parse(english, prefix)
    return m.render(lang) if m is not None else english
