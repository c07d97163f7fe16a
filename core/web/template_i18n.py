"""Translation domains in templates: ``_()`` in a template of a plugin translates in that plugin's domain.

Templates are named ``<folder>/...`` after the folder below a plugin's template dir (``exhibition/...``).
``PluginDomains`` rewrites ``_(``, ``gettext(`` and ``ngettext(`` written in such a template into
``dgettext("<plugin>", ...)`` / ``dngettext("<plugin>", ...)`` when the template is compiled, so the
domain follows where a text is written: a plugin page extending ``core/...`` still shows the core's
texts from the core's catalog. Core templates showing a plugin's text (a resource's labels) call
``dgettext(resource.plugin, text)`` themselves.
"""

from __future__ import annotations

from typing import Any, Iterator

from jinja2 import Environment, pass_context
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.runtime import Context
from markupsafe import Markup

from core.web import i18n

CALLS = {"_": "dgettext", "gettext": "dgettext", "ngettext": "dngettext"}


@pass_context
def dgettext(context: Context, domain: str, message: str, **variables: Any) -> str:
    """Like jinja2's newstyle ``_()``, in ``domain``."""
    rv = i18n.dgettext(domain, message)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_context
def dngettext(context: Context, domain: str, singular: str, plural: str, num: int, **variables: Any) -> str:
    """Like jinja2's newstyle ``ngettext()``, in ``domain``; ``%(num)d`` shows the number as the language writes it."""
    variables.setdefault("num", i18n.format_number(num))
    rv = i18n.dngettext(domain, singular, plural, num).replace("%(num)d", "%(num)s")
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_context
def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
    return dngettext(context, i18n.CORE_DOMAIN, singular, plural, num, **variables)


class PluginDomains(Extension):
    """Compiles ``_()`` in a plugin's templates to its domain (``environment.template_domains``: folder -> plugin)."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.extend(template_domains={})

    def filter_stream(self, stream: TokenStream) -> TokenStream | Iterator[Token]:
        folder = (stream.name or "").partition("/")[0]
        domain = self.environment.template_domains.get(folder)  # type: ignore[attr-defined]
        return stream if domain is None else self._rewrite(stream, domain)

    @staticmethod
    def _rewrite(stream: TokenStream, domain: str) -> Iterator[Token]:
        for token in stream:
            if token.type == "name" and token.value in CALLS and stream.current.type == "lparen":
                yield Token(token.lineno, "name", CALLS[token.value])
                yield next(stream)  # the "("
                yield Token(token.lineno, "string", domain)
                yield Token(token.lineno, "comma", ",")
            else:
                yield token


def install(env: Environment, template_domains: dict[str, str]) -> None:
    """Core ``_()`` for core templates, ``dgettext``/``dngettext`` and the plugin folders' domains."""
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(dgettext=dgettext, dngettext=dngettext, ngettext=ngettext)
    env.template_domains.update(template_domains)  # type: ignore[attr-defined]
