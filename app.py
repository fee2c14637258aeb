"""Start 政策通: build or update the index over the corpus, then serve the app and its HTTP API.

The same server as ``assistant serve``: the app at ``/``, the API under ``/v1``, its docs at ``/docs``.

    python app.py                      # corpus/ and index/, http://127.0.0.1:7860
    python app.py --token SECRET       # or ASSISTANT_TOKEN=SECRET: the token the API asks for
    python app.py --port 8000          # or GRADIO_SERVER_PORT=8000
    python app.py --max-file-mb 20     # accept notices up to 20 MB (default 5)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from assistant.cli import megabytes_to_bytes, positive_megabytes, serve_args
from assistant.parse.readers import MAX_FILE_MB


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run the app; a domain error becomes one line and exit status 1."""
    parser = argparse.ArgumentParser(description="政策通: ask questions about policy notices in a web app.")
    parser.add_argument("--corpus", default="corpus", help="folder of notices (default: corpus)")
    parser.add_argument("--index", default="index", help="index folder, built or updated at start (default: index)")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                        help="address to listen on (default: $GRADIO_SERVER_NAME or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default: $GRADIO_SERVER_PORT or 7860)")
    parser.add_argument("--model", default=None, help="embedding model (default: the packaged multilingual-e5-small)")
    parser.add_argument("--max-file-mb", type=positive_megabytes, default=MAX_FILE_MB, metavar="MB",
                        help=f"skip a corpus file or refuse an upload above this size (default: {MAX_FILE_MB})")
    serve_args(parser)
    args = parser.parse_args(argv)

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from assistant.errors import AssistantError
    from assistant.ui import serve

    try:
        serve(args.corpus, args.index, host=args.host, port=args.port, model=args.model,
              max_bytes=megabytes_to_bytes(args.max_file_mb),
              token=args.token or os.environ.get("ASSISTANT_TOKEN") or None, cors=args.cors)
    except AssistantError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
