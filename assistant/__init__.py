"""政策通: semantic search and cited answers over Chinese government policy notices.

Data flows one way: files → parsed notices (:mod:`assistant.parse`) → index
(:mod:`assistant.index`) → retrieval (:mod:`assistant.search`) → answers
(:mod:`assistant.answer`) → CLI (:mod:`assistant.cli`) and app (:mod:`assistant.ui`).
Heavy libraries (torch, faiss, gradio) are imported where they are used.
"""

from __future__ import annotations

__version__ = "0.1.0"
