"""The original (seed) authorizer, rebuilt for the cold-start comparison.

Same work as the blog post's Lambda: read one header, compare it with an
environment variable using plain ``==`` (not constant time: weakness 4), answer
an IAM policy Allow or Deny on ``{api}/Prod/*/*``, print the policy.

Differences, both deliberate:
* the header is ``X-Origin-Verify`` (the seed read ``jwt``) so both
  implementations get the very same event, ``examples/authorizer/events/allow.json``;
* the header value (the secret) is not printed: the seed did (weakness 2), and
  a benchmark should not teach that. One ``print`` of the policy stays, as
  the Rust authorizer also writes one log line per call.

A missing header still raises ``KeyError`` (API Gateway: 500), as in the seed.
"""

import os

SECRET = os.environ["JWT"]


def handler(event, context):
    token = event["headers"]["X-Origin-Verify"]
    effect = "Allow" if token == SECRET else "Deny"
    region, account, rest = event["methodArn"].split(":")[3:6]
    api_id = rest.split("/")[0]
    policy = {
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": effect,
                    "Resource": f"arn:aws:execute-api:{region}:{account}:{api_id}/Prod/*/*",
                }
            ],
        }
    }
    print(policy)
    return policy
