"""Creates the bench tables on the DynamoDB endpoint in AWS_ENDPOINT_URL_DYNAMODB.

* ``bench-rust-writes``, ``bench-rust-reads``: the log table design of
  ``secure-serverless/src/logs.rs`` (``LOG_TABLE``, as ``Repository::create_table``
  builds it): ``pk``/``sk`` strings, GSI ``by_type`` (``type_pk``, ``sk``,
  projection ALL), on-demand, TTL on ``expires_at``.
* ``bench-seed-writes``, ``bench-seed-reads``: the seed's table: hash key
  ``timestamp`` only, GSI ``typeAndPayload`` (``type``, ``payload``),
  provisioned 1 RCU / 1 WCU (DynamoDB Local does not throttle).

Run with the bench venv's python (boto3). Idempotent: existing tables are kept.
"""

import os
import sys

import boto3
from botocore.exceptions import ClientError


def s(name):
    return {"AttributeName": name, "AttributeType": "S"}


def key(hash_, range_=None):
    k = [{"AttributeName": hash_, "KeyType": "HASH"}]
    if range_:
        k.append({"AttributeName": range_, "KeyType": "RANGE"})
    return k


def log_table(name):
    return dict(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[s("pk"), s("sk"), s("type_pk")],
        KeySchema=key("pk", "sk"),
        GlobalSecondaryIndexes=[
            {"IndexName": "by_type", "KeySchema": key("type_pk", "sk"), "Projection": {"ProjectionType": "ALL"}}
        ],
    )


def seed_table(name):
    return dict(
        TableName=name,
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        AttributeDefinitions=[s("timestamp"), s("type"), s("payload")],
        KeySchema=key("timestamp"),
        GlobalSecondaryIndexes=[
            {
                "IndexName": "typeAndPayload",
                "KeySchema": key("type", "payload"),
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            }
        ],
    )


def main():
    ddb = boto3.client("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    specs = [log_table("bench-rust-writes"), log_table("bench-rust-reads"), seed_table("bench-seed-writes"), seed_table("bench-seed-reads")]
    for spec in specs:
        try:
            ddb.create_table(**spec)
        except ClientError as e:
            if e.response["Error"]["Code"] != "ResourceInUseException":
                raise
        ddb.get_waiter("table_exists").wait(TableName=spec["TableName"], WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
        if spec["TableName"].startswith("bench-rust"):
            try:
                ddb.update_time_to_live(
                    TableName=spec["TableName"], TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
                )
            except ClientError as e:
                if e.response["Error"]["Code"] != "ValidationException":  # already enabled
                    raise
        print(f"tables: {spec['TableName']} ready", file=sys.stderr)


if __name__ == "__main__":
    main()
