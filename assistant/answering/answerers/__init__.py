"""The built-in answerers; importing this package registers them (see :mod:`assistant.answering.registry`).

By precedence: ``clarify`` and ``scope`` (the question cannot be answered as asked), ``compare``
(two editions), ``meta`` (the notice itself), ``task`` (第N项 and follow-ups about one work point),
``unit`` (everything a unit does), ``section``, ``topic``, ``figure``, ``lead``, ``passage``.
"""

from assistant.answering.answerers import (  # noqa: F401 - each module registers its answerer
    compare,
    figure,
    lead,
    meta,
    passage,
    scope,
    section,
    task,
    topic,
    units,
)
