//! The two AWS WAF rules the edge plays: an IP set (the Tor Project's exit
//! list, as `AWSManagedRulesAnonymousIpList` blocks it in AWS) and a per-IP
//! rate-based rule.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses to block, read from files in the format of the Tor Project's
/// bulk exit list (<https://check.torproject.org/torbulkexitlist>): one
/// address per line. Blank lines and `#` comments are allowed.
#[derive(Debug, Default, Clone)]
pub struct IpBlockList {
    addrs: HashSet<IpAddr>,
}

impl IpBlockList {
    /// Reads every file; a line that is not an address is an error naming the
    /// file and line.
    pub fn from_files(paths: &[impl AsRef<Path>]) -> Result<Self, String> {
        let mut list = IpBlockList::default();
        for path in paths {
            let path = path.as_ref();
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read block list {}: {e}", path.display()))?;
            list.extend_from_str(&text).map_err(|(line, bad)| {
                format!("{}:{line}: not an IP address: {bad:?}", path.display())
            })?;
        }
        Ok(list)
    }

    /// Adds the addresses of one list; on a bad line, its number and text.
    pub fn extend_from_str(&mut self, text: &str) -> Result<(), (usize, String)> {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let addr = line
                .parse::<IpAddr>()
                .map_err(|_| (i + 1, secure_serverless::untrusted::excerpt(line)))?;
            self.addrs.insert(canonical(addr));
        }
        Ok(())
    }

    /// Whether `addr` is listed (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.addrs.contains(&canonical(addr))
    }

    /// How many addresses are listed.
    pub fn len(&self) -> usize {
        self.addrs.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.addrs.is_empty()
    }
}

fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

/// A rate-based rule: at most `limit` requests per client address in any
/// sliding `window` (AWS WAF counts over 1 to 10 minutes; the deployed rule
/// uses 5). Memory is bounded: at most `limit` timestamps per address, and
/// idle addresses are dropped.
#[derive(Debug)]
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// `limit` requests per `window`; a limit of 0 turns the rule off.
    pub fn new(limit: usize, window: Duration) -> Self {
        RateLimiter {
            limit,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// How many client addresses the rule is tracking.
    pub fn tracked(&self) -> usize {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Counts one request from `addr`; `Err(retry_after)` when it is over the
    /// limit (blocked requests are not counted).
    pub fn check(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let addr = canonical(addr);
        if !seen.contains_key(&addr) {
            let window = self.window;
            crate::bounded::make_room(
                &mut seen,
                crate::bounded::MAX_ENTRIES,
                |q| q.back().is_some_and(|t| now.duration_since(*t) < window),
                |q| q.back().copied().unwrap_or(now),
            );
        }
        let q = seen.entry(addr).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        if q.len() >= self.limit {
            let oldest = *q.front().expect("limit > 0, so the queue is not empty");
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        q.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_stay_bounded_under_a_flood_of_addresses() {
        let r = RateLimiter::new(5, Duration::from_secs(300));
        let now = Instant::now();
        for i in 0..(3 * crate::bounded::MAX_ENTRIES as u32) {
            r.check(IpAddr::from(i.to_be_bytes()), now).unwrap();
        }
        assert!(
            r.tracked() <= crate::bounded::MAX_ENTRIES,
            "{}",
            r.tracked()
        );
        // A live client keeps being counted.
        let me: IpAddr = "127.0.0.9".parse().unwrap();
        for _ in 0..5 {
            r.check(me, now).unwrap();
        }
        assert!(r.check(me, now).is_err());
    }

    #[test]
    fn block_list_format() {
        let mut l = IpBlockList::default();
        l.extend_from_str("# comment\n185.220.101.1\n\n2001:db8::1\r\n")
            .unwrap();
        assert!(l.contains("185.220.101.1".parse().unwrap()));
        assert!(l.contains("::ffff:185.220.101.1".parse().unwrap()));
        assert!(l.contains("2001:db8::1".parse().unwrap()));
        assert!(!l.contains("185.220.101.2".parse().unwrap()));
        assert_eq!(
            l.extend_from_str("1.2.3.4\nExitNode ABC\n"),
            Err((2, "ExitNode ABC".into()))
        );
    }

    #[test]
    fn sliding_window() {
        let r = RateLimiter::new(3, Duration::from_secs(10));
        let ip: IpAddr = "127.0.0.9".parse().unwrap();
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(r.check(ip, t0 + Duration::from_secs(i)).is_ok());
        }
        assert_eq!(
            r.check(ip, t0 + Duration::from_secs(3)),
            Err(Duration::from_secs(7))
        );
        assert!(
            r.check("127.0.0.10".parse().unwrap(), t0).is_ok(),
            "per address"
        );
        assert!(
            r.check(ip, t0 + Duration::from_secs(10)).is_ok(),
            "oldest left the window"
        );
        assert!(
            RateLimiter::new(0, Duration::from_secs(1))
                .check(ip, t0)
                .is_ok()
        );
    }
}
