"""Start simulators: ``python -m simulators <name|all> [--port N] [--orders N]
[--seed S] [--faults SPEC]``."""

import argparse
import logging
import signal
import sys
import threading

from . import SIMULATORS, get_simulator_class

DEFAULT_PORTS = {
    "lazada": 8301,
    "shopee": 8302,
    "tiktok": 8303,
    "eshop": 8304,
    "rest": 8305,
    "distributor": 8306,
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m simulators", description=__doc__)
    parser.add_argument("name", choices=sorted(SIMULATORS) + ["all"])
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="port (default: per simulator, 8301-8306)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--faults", default="", help="e.g. rate_5xx=0.2,rate_429=0.1,retry_after=1"
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a simulator option, e.g. refresh_ttl=15552000 (Lazada: an online "
        "app's 180-day refresh token); repeatable",
    )
    args = parser.parse_args(argv)
    options = dict(option.split("=", 1) for option in args.option)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    names = sorted(SIMULATORS) if args.name == "all" else [args.name]
    servers = []
    for name in names:
        port = args.port if (args.port and len(names) == 1) else DEFAULT_PORTS[name]
        server = get_simulator_class(name)(
            port=port,
            orders=args.orders,
            seed=args.seed,
            faults=args.faults,
            host=args.host,
            **options,
        ).start()
        servers.append(server)
        sys.stdout.write(f"{name} simulator listening on {server.url}\n")
    sys.stdout.flush()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *a: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    for server in servers:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
