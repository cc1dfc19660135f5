"""The original (seed) reader, rebuilt for the cold-start comparison.

One ``Scan`` call (``LastEvaluatedKey`` ignored, unordered, unbounded:
weakness 13), the items answered as a JSON array. The client is created once
at import, as in ``seed_writer``.
"""

import json
import os

import boto3
from boto3.dynamodb.types import TypeDeserializer

TABLE = os.environ["TABLE_NAME"]
DDB = boto3.client("dynamodb")
_DESER = TypeDeserializer()


def handler(event, context):
    items = DDB.scan(TableName=TABLE)["Items"]
    plain = [{k: _DESER.deserialize(v) for k, v in item.items()} for item in items]
    return {"statusCode": 200, "body": json.dumps(plain, default=str)}
