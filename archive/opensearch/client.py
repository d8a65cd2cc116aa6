"""The connection to OpenSearch (TLS checked, basic auth) and its failures as domain errors.

Every call the engine makes goes through `guard()`, which turns opensearch-py's
exceptions into the archive's errors (archive.errors), each naming the engine, the
cluster and the cause, with a hint. Credentials never appear in them: addresses hold
none (archive.opensearch.settings refuses that), and the password is only ever in the
client's Authorization header.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import socket
import ssl
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import urllib3
from opensearchpy import OpenSearch, Transport
from opensearchpy import exceptions as ox

from archive.errors import (ArchiveError, ConfigError, EngineAuthError, EngineError, EngineFull,
                            EngineUnavailable, IndexMissing, MappingConflict)
from archive.opensearch.settings import OpenSearchSettings

ENGINE = "OpenSearch"
MAPPING_ERRORS = ("mapper_parsing_exception", "strict_dynamic_mapping_exception",
                  "document_parsing_exception")
UNAVAILABLE_ERRORS = ("search_phase_execution_exception", "no_shard_available_action_exception",
                      "unavailable_shards_exception", "cluster_manager_not_discovered_exception",
                      "master_not_discovered_exception", "node_not_connected_exception",
                      "process_cluster_event_timeout_exception")
RED_HINT = ("Morgue answers again once every primary shard is allocated "
            "(GET _cluster/allocation/explain says why one is not)")
# Why a shard's part of a search was lost with a node that went away mid-search (after the
# query phase, a shard's fetch goes to the copy that ran its query, and OpenSearch does not
# move it to another copy): the search sent again finds the shard's other copy.
NODE_LOST = ("node_disconnected_exception", "node_not_connected_exception",
             "connect_transport_exception", "node_closed_exception",
             "send_request_transport_exception")
NODE_LOST_RETRIES = 4  # pauses of 0.25, 0.5, 1 and 2 s: until the cluster has seen the loss
NODE_LOST_PAUSE = 0.25  # seconds before the first search sent again; twice as long each time
log = logging.getLogger(__name__)
LOOPBACK_WARNING = (r"Unverified HTTPS request is being made to host "
                    r"'(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])'")


def ssl_context(settings: OpenSearchSettings) -> ssl.SSLContext | None:
    """The TLS context for https addresses: the CA bundle (or the system's), names checked."""
    if not any(url.startswith("https://") for url in settings.urls):
        return None
    if not settings.verify:  # no_verify_loopback: only ever for loopback addresses
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        warnings.filterwarnings("ignore", message=LOOPBACK_WARNING,
                                category=urllib3.exceptions.InsecureRequestWarning)
        return context
    try:
        return ssl.create_default_context(cafile=str(settings.ca) if settings.ca else None)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"the CA bundle {settings.ca} cannot be read as PEM certificates "
                          f"({getattr(exc, 'reason', None) or exc})") from None


def _failure_types(failure: Any) -> set[str]:
    """The error types in one of a search answer's shard failures (the reason and its causes)."""
    types, reason = set(), failure.get("reason") if isinstance(failure, dict) else None
    while isinstance(reason, dict):
        types.add(str(reason.get("type", "")))
        reason = reason.get("caused_by")
    return types


def _all_lost(failures: Any) -> bool:
    return isinstance(failures, list) and bool(failures) and all(
        _failure_types(f) & set(NODE_LOST) for f in failures)


def lost_with_a_node(answer: Any) -> bool:
    """Whether a search answer misses shards only because a node went away while it ran."""
    shards = answer.get("_shards") if isinstance(answer, dict) else None
    return isinstance(shards, dict) and bool(shards.get("failed")) and _all_lost(
        shards.get("failures"))


def _types(tree: Any) -> set[str]:
    """Every error type named anywhere in an error's body (causes, shard failures)."""
    if isinstance(tree, list):
        return set().union(*(_types(item) for item in tree))
    if not isinstance(tree, dict):
        return set()
    found = {str(tree["type"])} if isinstance(tree.get("type"), str) else set()
    return found.union(*(_types(value) for value in tree.values()))


def failed_with_a_node(exc: ox.TransportError) -> bool:
    """Whether a search failed as a whole because a node went away: every shard failed that
    way, or the error names a lost node. (Morgue asks for no expansion of collapsed hits,
    whose failures OpenSearch 2.19 reports as a null pointer naming no node:
    archive.opensearch.grouping.)"""
    error = exc.info.get("error") if isinstance(exc.info, dict) else None
    if not isinstance(error, dict):
        return False
    if error.get("failed_shards"):
        return _all_lost(error["failed_shards"])
    return bool(_types(error) & set(NODE_LOST))


def out_of_time(exc: ox.TransportError) -> bool:
    """Whether a search failed because it ran out of its `timeout` before any shard had
    something to give: OpenSearch then fails it as a whole (`time_exceeded_exception`)
    instead of answering `timed_out` with no hits."""
    return "time_exceeded_exception" in _types(exc.info)


class NodeLossTransport(Transport):
    """opensearch-py's transport, which also sends a search again (up to NODE_LOST_RETRIES
    times) when its answer lacks shards, or it failed, because a node went away while it ran."""

    def perform_request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if not url.endswith("/_search"):
            return super().perform_request(method, url, *args, **kwargs)
        attempt = 0
        while True:
            last = attempt == NODE_LOST_RETRIES
            try:
                answer = super().perform_request(method, url, *args, **kwargs)
            except ox.TransportError as exc:
                if last or not failed_with_a_node(exc):
                    raise
                lost = f"all shards ({exc.info['error'].get('phase')} phase)"
            else:
                if last or not lost_with_a_node(answer):
                    return answer
                lost = f"{answer['_shards']['failed']} of {answer['_shards'].get('total')} shards"
            log.warning("a search lost %s with a node that went away; sending it again", lost)
            time.sleep(NODE_LOST_PAUSE * 2 ** attempt)
            attempt += 1


def connect(settings: OpenSearchSettings) -> OpenSearch:
    """An opensearch-py client for the settings' cluster (opens no connection yet).

    Requests go round the addresses in turn. One that finds no node (connection refused or
    reset, no answer within the timeout, 502, 503 or 504) marks that address dead for a
    while and is sent again to the next one, up to `settings.max_retries` times: with every
    node's address given, a node that dies costs no request. Writes may be sent twice that
    way; Morgue's writes name their document ids, so a second copy replaces the first. A
    search that lost shards, or failed, because a node died while it ran is sent again too
    (`NodeLossTransport`).
    """
    auth = (settings.user, settings.password) if settings.user is not None else None
    return OpenSearch(list(settings.urls), http_auth=auth, ssl_context=ssl_context(settings),
                      timeout=settings.timeout, max_retries=settings.max_retries,
                      retry_on_timeout=True, http_compress=True,
                      transport_class=NodeLossTransport)


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    """An exception and everything it wraps (causes, contexts, exception arguments)."""
    todo, seen = [exc], set()
    while todo:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo.extend([getattr(item, "info", None), getattr(item, "reason", None),
                     item.__cause__, item.__context__])
        todo.extend(a for a in getattr(item, "args", ()) if isinstance(a, BaseException))


def connection_cause(exc: ox.ConnectionError) -> tuple[str, str | None]:
    """Why a connection failed, in words, and a hint (the most telling cause in the chain:
    urllib3 makes a refused connection a kind of timeout)."""
    chain = list(_chain(exc))

    def find(kind):
        return next((item for item in chain if isinstance(item, kind)), None)

    if (item := find(ssl.SSLCertVerificationError)) is not None:
        return (f"the server's TLS certificate was refused ({item.verify_message})",
                "give the cluster's CA bundle with ARCHIVE_OPENSEARCH_CA (or `ca` in the "
                "config file)")
    if (item := find(ssl.SSLError)) is not None:
        return f"the TLS handshake failed ({item.reason or item})", \
            "check that the address is the cluster's https:// address"
    if find(ConnectionRefusedError) is not None:
        return "connection refused (nothing listens at that address)", \
            "check the address and that the cluster is running"
    if find(socket.gaierror) is not None:
        return "the host name cannot be resolved", "check the address"
    if find((TimeoutError, socket.timeout, urllib3.exceptions.TimeoutError)) is not None:
        return "no answer in time", None
    inner = getattr(exc, "info", None)
    name = type(inner).__name__ if isinstance(inner, BaseException) else "connection error"
    return f"the connection failed ({name})", "check the address and the network"


def _root(exc: ox.TransportError) -> tuple[str, str]:
    """The error type and reason OpenSearch gave (the root cause when there is one)."""
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    if isinstance(error, dict):
        cause = (error.get("root_cause") or [error])[0]
        return str(cause.get("type") or error.get("type") or exc.error), \
            str(cause.get("reason") or error.get("reason") or "")
    return str(exc.error), str(error or "")


def is_flood_block(kind: str, reason: str) -> bool:
    """Whether an error is the read-only block a full disk puts on an index."""
    text = reason.lower()
    return kind == "cluster_block_exception" and ("read-only-allow-delete" in text
                                                  or "flood" in text or "disk" in text)


def red_state(client: OpenSearch, index: str) -> str | None:
    """A description of a red index (primaries not allocated), or None when it is not red."""
    with contextlib.suppress(Exception):
        health = client.cluster.health(index=index, level="indices", request_timeout=10)
        if health.get("status") != "red":
            return None
        red = [f"index {name!r} has {info['number_of_shards'] - info['active_primary_shards']} "
               f"of {info['number_of_shards']} primary shards not allocated"
               for name, info in sorted(health.get("indices", {}).items())
               if info.get("status") == "red"]
        return "the cluster is red: " + ("; ".join(red) or "primary shards are not allocated")
    return None


def translate(exc: Exception, settings: OpenSearchSettings,
              client: OpenSearch | None = None) -> ArchiveError:
    """The domain error for an opensearch-py exception."""
    where = f"{ENGINE} at {settings.where}"

    def error(cls: type[EngineError], cause: str, hint: str | None = None) -> EngineError:
        return cls(f"{where}: {cause}", hint, public=f"{ENGINE}: {cause}")

    if isinstance(exc, ox.ConnectionTimeout):
        return error(EngineUnavailable, f"no answer within {settings.timeout:g} s",
                     "the cluster may be overloaded or a node stuck; ARCHIVE_OPENSEARCH_TIMEOUT "
                     "sets the limit")
    if isinstance(exc, ox.ConnectionError):
        cause, hint = connection_cause(exc)
        return error(EngineUnavailable, f"cannot connect: {cause}", hint)
    if isinstance(exc, ox.ImproperlyConfigured):
        return ConfigError(f"{where}: {exc}")
    if not isinstance(exc, ox.TransportError):
        return error(EngineError, f"{type(exc).__name__}: {exc}")
    kind, reason = _root(exc)
    status = exc.status_code
    if isinstance(exc, ox.AuthenticationException):
        who = f"the user {settings.user!r}" if settings.user else "a request without a user"
        return error(EngineAuthError, f"{who} was refused: wrong user name or password (401)")
    if kind == "index_create_block_exception":
        return error(EngineFull, f"the cluster refuses to create indexes ({reason}): every data "
                                 f"node's disk passed the flood-stage watermark, or an "
                                 f"administrator set cluster.blocks.create_index")
    if kind == "cluster_block_exception":
        if is_flood_block(kind, reason):
            return error(EngineFull, f"writes are refused: a disk passed the flood-stage "
                                     f"watermark and the index is read-only ({reason})")
        return error(EngineError, f"the cluster refuses this: {reason}",
                     "an administrator set a block on the index or cluster")
    if isinstance(exc, ox.AuthorizationException):
        who = f"the user {settings.user!r}" if settings.user else "a request without a user"
        return error(EngineAuthError, f"{who} is not allowed to do this (403: {reason or kind})")
    if kind == "index_not_found_exception":
        return IndexMissing(f"{where}: there is no index {settings.index!r} yet")
    if kind in MAPPING_ERRORS or (kind == "illegal_argument_exception" and "mapper" in reason):
        return error(MappingConflict, f"the index does not accept Morgue's documents "
                                      f"({kind}: {reason})")
    if status == 503 or kind in UNAVAILABLE_ERRORS:
        red = red_state(client, settings.index) if client is not None else None
        return error(EngineUnavailable, red or f"the cluster cannot answer ({kind}: {reason})",
                     RED_HINT)
    if status == 429:
        return error(EngineUnavailable, f"the cluster is overloaded (429: {reason or kind})",
                     "try again in a moment")
    return error(EngineError, f"{status} {kind}: {reason}")


def guard(method: Callable) -> Callable:
    """Run an engine method with opensearch-py's exceptions turned into domain errors.

    The method's object has `settings` and `client`.
    """
    @functools.wraps(method)
    def wrapper(self, *args: Any, **kwargs: Any):
        try:
            return method(self, *args, **kwargs)
        except (ox.OpenSearchException, ox.ImproperlyConfigured) as exc:
            raise translate(exc, self.settings, self.client) from None
    return wrapper


@contextlib.contextmanager
def guarded(settings: OpenSearchSettings, client: OpenSearch | None) -> Iterator[None]:
    """`guard()` for a block of code (e.g. the body of a context manager)."""
    try:
        yield
    except (ox.OpenSearchException, ox.ImproperlyConfigured) as exc:
        raise translate(exc, settings, client) from None


__all__ = ["RED_HINT", "NodeLossTransport", "lost_with_a_node", "failed_with_a_node", "connect",
           "ssl_context", "translate", "guard", "guarded", "red_state", "is_flood_block",
           "ENGINE"]
