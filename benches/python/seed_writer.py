"""The original (seed) writer, rebuilt for the cold-start comparison.

``json.loads`` the body, ``bleach.clean`` (5.0.1, default allow-list) on
``type`` and ``payload``, one ``PutItem`` keyed by ``str(datetime.now())``,
answer ``200 "Record <type> added"``. No validation, no error handling
(weaknesses 9 and 11), exactly as the seed.

The DynamoDB client is created once at import (module scope), which is the
Lambda best practice and the *fastest* form for Python: the comparison
favours the seed here, not us. The low-level client is used rather than
``boto3.resource`` for the same reason (the resource layer costs more at
import and per call).
"""

import json
import os
from datetime import datetime

import bleach
import boto3

TABLE = os.environ["TABLE_NAME"]
DDB = boto3.client("dynamodb")


def handler(event, context):
    body = json.loads(event["body"])
    log_type = bleach.clean(body["type"])
    payload = bleach.clean(body["payload"])
    DDB.put_item(
        TableName=TABLE,
        Item={
            "timestamp": {"S": str(datetime.now())},
            "type": {"S": log_type},
            "payload": {"S": payload},
        },
    )
    return {"statusCode": 200, "body": json.dumps(f"Record {log_type} added")}
