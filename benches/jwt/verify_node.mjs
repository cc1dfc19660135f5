// aws-jwt-verify (pinned in package.json) on the tokens benches/jwt_compare.rs
// wrote: the same measurement as the Rust side (warm-up, then 15 rounds of
// about 50 ms; median ns per verification), for "new" (the distinct tokens
// in turn) and "repeat" (the first token again and again). Keys are loaded
// beforehand with cacheJwks, so no network is involved; verifySync checks the
// signature (key by kid), exp, iss and aud. "signature only" is node:crypto's
// verify of the same signatures with keys parsed beforehand: OpenSSL's
// primitive alone, the floor under any verifier built on it.
//
//   node benches/jwt/verify_node.mjs DIR      (reads DIR/tokens.json, writes DIR/node.json)
import { createPublicKey, verify } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { JwtVerifier } from "aws-jwt-verify";

const dir = process.argv[2];
const doc = JSON.parse(readFileSync(`${dir}/tokens.json`, "utf8"));
const version = JSON.parse(
  readFileSync(new URL("./node_modules/aws-jwt-verify/package.json", import.meta.url), "utf8"),
).version;

const verifier = JwtVerifier.create({
  issuer: doc.issuer,
  audience: doc.audience,
  jwksUri: `${doc.issuer}/.well-known/jwks.json`,
});
verifier.cacheJwks(doc.jwks);
const keys = Object.fromEntries(doc.jwks.keys.map((k) => [k.kid, createPublicKey({ key: k, format: "jwk" })]));

function medianNs(f) {
  const start = process.hrtime.bigint();
  let warm = 0;
  while (process.hrtime.bigint() - start < 200_000_000n || warm < 100) {
    f();
    warm++;
  }
  const perOp = Number(process.hrtime.bigint() - start) / warm;
  const n = Math.max(100, Math.floor(50e6 / perOp));
  const rounds = [];
  for (let r = 0; r < 15; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    rounds.push(Number(process.hrtime.bigint() - t) / n);
  }
  rounds.sort((a, b) => a - b);
  return rounds[7];
}

const ns = {};
for (const [alg, list] of Object.entries(doc.tokens)) {
  let next = 0;
  const fresh = medianNs(() => verifier.verifySync(list[next++ % list.length]));
  const repeat = medianNs(() => verifier.verifySync(list[0]));
  const parsed = list.map((t) => {
    const [h, p, sig] = t.split(".");
    const kid = JSON.parse(Buffer.from(h, "base64url")).kid;
    return { input: Buffer.from(`${h}.${p}`), sig: Buffer.from(sig, "base64url"), key: keys[kid] };
  });
  const hash = alg === "EdDSA" ? null : `sha${alg.slice(2)}`;
  const dsa = alg.startsWith("ES") ? { dsaEncoding: "ieee-p1363" } : {};
  let k = 0;
  const signatureOnly = medianNs(() => {
    const x = parsed[k++ % parsed.length];
    if (!verify(hash, x.input, { key: x.key, ...dsa }, x.sig)) throw new Error(`${alg}: bad signature`);
  });
  ns[alg] = { new: fresh, repeat, signature_only: signatureOnly };
  console.log(
    `aws-jwt-verify ${alg}: new token ${(fresh / 1e3).toFixed(1)} µs, repeated token ${(repeat / 1e3).toFixed(1)} µs per verification; node:crypto signature only ${(signatureOnly / 1e3).toFixed(1)} µs`,
  );
}
writeFileSync(
  `${dir}/node.json`,
  JSON.stringify({ implementation: "aws-jwt-verify", version, node: process.version, ns_per_verification: ns }),
);
