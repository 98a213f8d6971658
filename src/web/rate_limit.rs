//! Rate limiting by client address: one token bucket per address (per /64 network for IPv6,
//! which a single host usually owns whole), refilled at a steady pace. An empty bucket answers
//! 429 with the seconds to wait.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// Buckets kept before full ones are forgotten.
const MAX_TRACKED_CLIENTS: usize = 10_000;

/// The pace of one kind of request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitConfig {
    /// Requests allowed at once.
    pub burst: u32,
    /// Time to earn one more request.
    pub refill_every: Duration,
}

/// The limits of the collaborative space.
#[derive(Debug)]
pub struct RateLimits {
    /// Sign-up, login and password-reset requests.
    pub login: RateLimiter,
    /// Proposals (checked or sent) and error reports.
    pub contribution: RateLimiter,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            login: RateLimiter::new(RateLimitConfig {
                burst: 8,
                refill_every: Duration::from_secs(15),
            }),
            contribution: RateLimiter::new(RateLimitConfig {
                burst: 20,
                refill_every: Duration::from_secs(30),
            }),
        }
    }
}

/// Token buckets by client.
#[derive(Debug)]
pub struct RateLimiter {
    config: RateLimitConfig,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// A limiter with this pace.
    pub fn new(config: RateLimitConfig) -> Self {
        Self {
            config,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the client's bucket, or says how long to wait for one.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }

    /// [`Self::check`] for a form posted from a page: a refusal is the 429 page.
    pub fn check_page(&self, client: IpAddr) -> Result<(), super::error::ShownError> {
        self.check(client)
            .map_err(|wait| super::error::AppError::TooManyRequests(wait).as_html())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let burst = f64::from(self.config.burst.max(1));
        let per_second = 1.0 / self.config.refill_every.as_secs_f64().max(0.001);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_TRACKED_CLIENTS {
            // A bucket that has refilled is the same as a forgotten one.
            buckets.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second
                    < burst
            });
        }
        let bucket = buckets.entry(network_of(client)).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let earned = now.duration_since(bucket.updated).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + earned).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / per_second;
            Err(Duration::from_secs_f64(wait.ceil().max(1.0)))
        }
    }
}

/// The address of the client, from the connection; unspecified when the router runs without
/// one (in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
        Ok(Self(address))
    }
}

/// The key of a client: its IPv4 address, or the /64 network of its IPv6 address.
fn network_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let segments = v6.segments();
                IpAddr::V6(Ipv6Addr::new(
                    segments[0],
                    segments[1],
                    segments[2],
                    segments[3],
                    0,
                    0,
                    0,
                    0,
                ))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_refills_and_belongs_to_one_client() {
        let limiter = RateLimiter::new(RateLimitConfig {
            burst: 2,
            refill_every: Duration::from_secs(10),
        });
        let start = Instant::now();
        let alice: IpAddr = "192.0.2.1".parse().unwrap();
        let bob: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limiter.check_at(alice, start).is_ok());
        assert!(limiter.check_at(alice, start).is_ok());
        let wait = limiter.check_at(alice, start).unwrap_err();
        assert_eq!(wait, Duration::from_secs(10));
        assert!(
            limiter.check_at(bob, start).is_ok(),
            "another client has its own bucket"
        );
        assert!(
            limiter
                .check_at(alice, start + Duration::from_secs(10))
                .is_ok()
        );
    }

    #[test]
    fn one_ipv6_network_shares_a_bucket() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(network_of(a), network_of(b));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(network_of(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
