//! Literal secrets in values that reach artifacts: by a variable's name (`DB_PASS`,
//! `STRIPE_KEY`, `SENTRY_DSN`), and by a value's shape wherever a string can reach a file
//! (an AWS key, a JWT, a token with a vendor prefix, a URL with credentials, a long random
//! string). A name only counts with a value that could be a secret: `PASSWORD_MIN_LENGTH=12`,
//! `TOKEN_TTL_SECONDS=3600` and `SECRET_NAME=db-creds` are settings, not secrets. A key that
//! still reads as one gets a reasoned waiver in `runtime.envNotSecret`.

/// Words of a variable's name that make its value a secret.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "PASSPHRASE",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "SALT",
    "DSN",
    "APIKEY",
    "PRIVATEKEY",
];

/// Last words that make the name a setting about a secret, not the secret: lengths, times,
/// names, ids, paths, switches.
const SETTING_WORDS: &[&str] = &[
    "LENGTH",
    "LEN",
    "MIN",
    "MAX",
    "TTL",
    "SECONDS",
    "SECS",
    "MS",
    "MINUTES",
    "HOURS",
    "DAYS",
    "TIMEOUT",
    "COUNT",
    "SIZE",
    "NAME",
    "NAMES",
    "ID",
    "IDS",
    "FILE",
    "PATH",
    "DIR",
    "HEADER",
    "ENABLED",
    "DISABLED",
    "REQUIRED",
    "ARN",
    "REGION",
    "EXPIRY",
    "POLICY",
    "TYPE",
    "MODE",
    "FORMAT",
    "ALGORITHM",
    "VERSION",
    "PREFIX",
    "SUFFIX",
    "LIMIT",
    "RETRIES",
    "INTERVAL",
    "PERIOD",
    "ROTATION",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "FIELD",
];

/// Words before a final `KEY` that make it an index or a lookup, not a credential.
const PLAIN_KEYS: &[&str] = &[
    "PUBLIC",
    "PARTITION",
    "CACHE",
    "SORT",
    "PRIMARY",
    "ROUTING",
    "OBJECT",
    "IDEMPOTENCY",
    "LOOKUP",
    "SHARD",
    "GROUP",
];

/// URLs whose name says they carry credentials or a secret path.
const SECRET_URLS: &[&str] =
    &["DATABASE", "DB", "REDIS", "MONGO", "MONGODB", "AMQP", "RABBITMQ", "POSTGRES", "MYSQL", "WEBHOOK", "SLACK"];

/// How well-known secrets start: AWS access keys, PEM, GitHub, Stripe, Slack, GitLab, Google,
/// npm, SendGrid, Hugging Face, age, DigitalOcean, Shopify, Square.
pub(crate) const SECRET_PREFIXES: &[&str] = &[
    "AKIA",
    "ASIA",
    "-----BEGIN",
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "ghr_",
    "github_pat_",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "whsec_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xapp-",
    "glpat-",
    "AIza",
    "npm_",
    "SG.",
    "hf_",
    "AGE-SECRET-KEY-",
    "dop_v1_",
    "shpat_",
    "sq0csp-",
];

/// The words of a variable name, upper case: `dbPass`, `DB_PASS` and `db-pass` are `DB PASS`.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// True when a variable of this name holds a secret, whatever its value.
pub fn secret_name(name: &str) -> bool {
    let w = words(name);
    let Some(last) = w.last() else { return false };
    if SETTING_WORDS.contains(&last.as_str()) {
        return false;
    }
    let prev = w.len().checked_sub(2).map(|i| w[i].as_str());
    let key = last == "KEY" && prev.is_none_or(|p| !PLAIN_KEYS.contains(&p));
    let url = matches!(last.as_str(), "URL" | "URI") && prev.is_some_and(|p| SECRET_URLS.contains(&p));
    key || url || w.iter().any(|x| SECRET_WORDS.contains(&x.as_str()))
}

/// A value that cannot be a secret: empty, a number, a boolean.
fn setting_value(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || v.parse::<f64>().is_ok()
        || matches!(v.to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no" | "on" | "off")
}

/// What a value looks like when it is shaped like a secret.
pub fn secret_shape(value: &str) -> Option<&'static str> {
    if SECRET_PREFIXES.iter().any(|p| value.starts_with(p)) {
        return Some("a credential with a well-known prefix");
    }
    if url_with_credentials(value) {
        return Some("a URL with credentials");
    }
    let b = value.as_bytes();
    let b64url = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    if value.starts_with("eyJ") && value.split('.').count() == 3 && value.split('.').all(b64url) && value.len() > 30 {
        return Some("a JSON Web Token");
    }
    if b.len() == 40
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'/' || *c == b'+')
        && b.iter().any(u8::is_ascii_lowercase)
        && b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_digit)
    {
        return Some("an AWS secret access key");
    }
    if b.len() >= 64 && b.iter().all(u8::is_ascii_hexdigit) {
        return Some("a long hexadecimal key");
    }
    if random_looking(value) {
        return Some("a long random string");
    }
    None
}

/// `scheme://user:password@host`.
fn url_with_credentials(value: &str) -> bool {
    value.split("://").skip(1).any(|rest| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        authority.rsplit_once('@').is_some_and(|(user, _)| user.contains(':'))
    })
}

/// At least 32 characters of base64 or hex with three kinds of characters and more than 4.2
/// bits of entropy a character: random keys, not words, paths, UUIDs (hex: at most 4 bits) or
/// URLs (`:` and `.` are outside the alphabet).
fn random_looking(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() < 32 || !b.iter().all(|c| c.is_ascii_alphanumeric() || b"+/=_-".contains(c)) {
        return false;
    }
    let kinds =
        [u8::is_ascii_lowercase, u8::is_ascii_uppercase, u8::is_ascii_digit].iter().filter(|k| b.iter().any(k)).count();
    let mut counts = [0u32; 256];
    for c in b {
        counts[usize::from(*c)] += 1;
    }
    let n = b.len() as f64;
    let entropy: f64 = counts.iter().filter(|&&c| c > 0).map(|&c| f64::from(c) / n).map(|p| -p * p.log2()).sum();
    kinds == 3 && entropy > 4.2
}

/// Why the variable `name = value` is a literal secret, if it is.
pub fn in_env(name: &str, value: &str) -> Option<String> {
    if let Some(shape) = secret_shape(value) {
        return Some(format!("its value looks like {shape}"));
    }
    (secret_name(name) && !setting_value(value)).then(|| "its name says it is one".to_owned())
}

/// What a free text (a description, a URL) carries that looks like a secret, word by word.
pub fn in_text(text: &str) -> Option<&'static str> {
    if url_with_credentials(text) {
        return Some("a URL with credentials");
    }
    text.split(|c: char| c.is_whitespace() || "\"'`(),;<>".contains(c)).find_map(|w| {
        let w = w.trim_end_matches(['.', ':']);
        SECRET_PREFIXES.iter().any(|p| w.starts_with(p) && w.len() > p.len() + 8).then_some("a credential")
    })
}

/// Report LOW009 when the text `v` (`what` it is) carries something shaped like a secret.
pub fn refuse_in_text(lx: &mut crate::lower::Lx, v: &platform_ir::Sp<String>, what: &str) {
    if let Some(shape) = in_text(&v.value) {
        lx.diags.push(
            platform_ir::Diagnostic::error(
                &crate::codes::LOW009,
                format!("the {what} holds a literal secret value: it carries {shape}"),
                v.span,
                "secret value written here",
                "remove it: this text is copied into generated files. A value that was ever committed or shared is exposed: rotate it at its issuer",
            )
            .redacted(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_hold_secrets() {
        for n in [
            "PASS",
            "DB_PASS",
            "PASSPHRASE",
            "STRIPE_KEY",
            "SIGNING_KEY",
            "DATABASE_URL",
            "DSN",
            "SENTRY_DSN",
            "WEBHOOK_URL",
            "SALT",
            "dbPassword",
            "API_TOKEN",
            "KEY",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "PASSWORD_MIN_LENGTH",
            "TOKEN_TTL_SECONDS",
            "SECRET_NAME",
            "LOG_LEVEL",
            "CACHE_KEY",
            "PUBLIC_KEY",
            "HOMEPAGE_URL",
            "PASSENGER_COUNT",
            "KEY_ID",
        ] {
            assert!(!secret_name(n), "{n}");
        }
        assert_eq!(in_env("PASSWORD_MIN_LENGTH", "12"), None);
        assert_eq!(in_env("TOKEN_TTL_SECONDS", "3600"), None);
        assert_eq!(in_env("SECRET_NAME", "db-creds"), None);
        assert!(in_env("DB_PASS", "hunter2").is_some());
        assert_eq!(in_env("FEATURE_FLAGS_ENABLED", "true"), None);
    }

    #[test]
    fn values_shaped_like_secrets() {
        for v in [
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "npm_abcdefghijklmnopqrstuvwxyz0123456789",
            "SG.abcdefghijklmnop.qrstuvwxyz0123456789",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "postgres://app:hunter2@db.internal:5432/app",
            "Zm9vYmFyYmF6cXV4UXVVeDEyMzQ1Njc4OTBhYmNkZWZnaGlqa2w",
        ] {
            assert!(secret_shape(v).is_some(), "{v}");
        }
        for v in [
            "info",
            "https://api.acme.dev/v1",
            "3f1c2a9e8b7d6c5f4e3a2b1c0d9e8f7a6b5c4d3e",
            "550e8400-e29b-41d4-a716-446655440000",
            "/var/lib/app/data/cache/objects",
            "postgres://db.internal:5432/app",
            "the-quick-brown-fox-jumps-over-the-lazy-dog",
        ] {
            assert_eq!(secret_shape(v), None, "{v}");
        }
    }

    #[test]
    fn texts_carrying_credentials() {
        assert!(in_text("Call it with ghp_abcdefghijklmnopqrstuvwxyz0123 as the token.").is_some());
        assert!(in_text("git::https://bot:s3cret@github.com/acme/mods.git").is_some());
        assert_eq!(in_text("Takes orders and payments from the web shop."), None);
    }
}
