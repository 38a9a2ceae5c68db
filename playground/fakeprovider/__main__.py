"""`python -m playground.fakeprovider --port 8100`: run the fake provider in the foreground."""

import argparse

from .server import DEFAULT_PORT, serve_forever


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m playground.fakeprovider",
                                     description="Fake OpenAI-compatible provider on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port; 0 picks a free one")
    serve_forever(parser.parse_args(argv).port)


if __name__ == "__main__":
    main()
