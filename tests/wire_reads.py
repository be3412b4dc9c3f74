"""Firestore document reads counted on the wire: a gRPC interceptor on the real client
talking to the local emulator counts the documents each call returns as Firestore bills
them: every document a query or a get returns, one for a query that returns none, one for
a get of a missing document."""
from __future__ import annotations

import uuid

import grpc

from functions.adapters.firestore_store import FirestoreStore
from functions.adapters.memory_store import MemoryStore
from functions.ports import RotaWrite


class ReadCounter(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    def __init__(self) -> None:
        self.reads = 0

    def intercept_unary_unary(self, continuation, details, request):
        if details.method.endswith("/GetDocument"):
            self.reads += 1
        return continuation(details, request)

    def intercept_unary_stream(self, continuation, details, request):
        responses = continuation(details, request)
        if details.method.endswith("/RunQuery"):
            return self._query(responses)
        if details.method.endswith("/BatchGetDocuments"):
            return self._gets(responses)
        return responses

    def _query(self, responses):
        found = 0
        for response in responses:
            found += "document" in response
            yield response
        self.reads += max(found, 1)

    def _gets(self, responses):
        for response in responses:
            self.reads += "found" in response or "missing" in response
            yield response


def counting_store(host: str) -> tuple[FirestoreStore, ReadCounter]:
    from google.cloud import firestore
    from google.cloud.firestore_v1.services.firestore import FirestoreClient
    from google.cloud.firestore_v1.services.firestore.transports.grpc import (
        FirestoreGrpcTransport)

    counter = ReadCounter()
    client = firestore.Client(project=f"bench-{uuid.uuid4().hex[:12]}")
    channel = grpc.intercept_channel(client._emulator_channel(FirestoreGrpcTransport),
                                     counter)
    client._firestore_api_internal = FirestoreClient(
        transport=FirestoreGrpcTransport(host=host, channel=channel))
    return FirestoreStore(client.project, client=client), counter




def copy(source: MemoryStore, target: FirestoreStore) -> None:
    """Everything of `source` into `target`, a community's ledger entries in few writes."""
    for community in source.list_communities():
        cid = community.id
        target.put_community(community)
        target.add_members(cid, source.list_members(cid))
        target.put_sessions(cid, source.list_sessions(cid))
        for link in source.links.get(cid, {}).values():
            target.add_link(cid, link)
        at, _ = source.due[cid]
        records = tuple((k, e) for k, e in source.claims.items() if k.startswith(f"{cid}/"))
        for start in range(0, len(records), 400):  # a commit holds at most 500 writes
            target.save(RotaWrite(cid, records=records[start:start + 400]))
        target.settle_due(cid, at, None)
    for key, entry in source.claims.items():
        if key.split("/", 1)[0] not in source.communities:
            target.swap(key, None, entry)
