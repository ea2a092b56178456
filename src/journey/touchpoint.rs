//! One event as a journey sees it: when, where, what, and the few attributes
//! the metrics read.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::event::Event;
use crate::identifier::Channel;
use crate::time::Timestamp;

/// Fractional digits an [`Amount`] keeps: four, so that currencies with three
/// minor digits and unit prices such as `0.0125` stay exact.
const SCALE_DIGITS: u32 = 4;
const SCALE: i64 = 10_i64.pow(SCALE_DIGITS);

/// An order value: a decimal number, exact to four fractional digits.
///
/// Sums of amounts are exact (they are integers of ten-thousandths), so
/// totals kept incrementally equal totals computed from scratch. Amounts
/// carry no currency; the metrics add them up as they are.
///
/// ```
/// use idstitch::journey::Amount;
///
/// let value: Amount = " 129.95 ".parse().unwrap();
/// assert_eq!(value.to_string(), "129.95");
/// assert_eq!(value.ten_thousandths(), 1_299_500);
/// assert_eq!("-0.5".parse::<Amount>().unwrap().to_string(), "-0.5");
/// assert!("1,299.95".parse::<Amount>().is_err());
/// assert!("12.34567".parse::<Amount>().is_err());
/// assert!("€12".parse::<Amount>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(i64);

/// Why a text is not an [`Amount`]. Messages never repeat the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// Nothing but whitespace.
    #[error("the amount is empty")]
    Empty,
    /// Not a plain decimal number: thousands separators, currency symbols,
    /// exponents and letters are not read.
    #[error("the amount is not a plain decimal number like 129.95")]
    Malformed,
    /// More than four significant fractional digits.
    #[error("the amount has more than {SCALE_DIGITS} fractional digits")]
    TooPrecise,
    /// Too large in magnitude.
    #[error("the amount is too large")]
    TooLarge,
}

impl Amount {
    /// The amount of `ten_thousandths` ten-thousandths (`12_500` is `1.25`).
    pub fn from_ten_thousandths(ten_thousandths: i64) -> Self {
        Amount(ten_thousandths)
    }

    /// The amount in ten-thousandths.
    pub fn ten_thousandths(self) -> i64 {
        self.0
    }

    /// The amount as a float, for display and charts.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }
}

impl FromStr for Amount {
    type Err = AmountError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AmountError::Empty);
        }
        let (negative, unsigned) = match text.as_bytes()[0] {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.len() + fraction.len() == 0 || !all_digits(whole) || !all_digits(fraction) {
            return Err(AmountError::Malformed);
        }
        // Trailing zeros beyond the kept digits change nothing; others would be lost.
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > SCALE_DIGITS as usize {
            return Err(AmountError::TooPrecise);
        }
        let mut units: i64 = 0;
        for digit in whole.bytes().chain(fraction.bytes()) {
            units = units
                .checked_mul(10)
                .and_then(|n| n.checked_add(i64::from(digit - b'0')))
                .ok_or(AmountError::TooLarge)?;
        }
        units = units
            .checked_mul(10_i64.pow(SCALE_DIGITS - fraction.len() as u32))
            .ok_or(AmountError::TooLarge)?;
        Ok(Amount(if negative { -units } else { units }))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let scale = SCALE as u64;
        let (whole, fraction) = (magnitude / scale, magnitude % scale);
        if fraction == 0 {
            return write!(f, "{sign}{whole}");
        }
        let digits = format!("{fraction:04}");
        write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// Why part of an event could not be read into its [`Touchpoint`]. The
/// touchpoint is kept without that part, and the metrics count it
/// ([`Metrics::invalid_order_values`](crate::journey::Metrics::invalid_order_values)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TouchpointError {
    /// The `order_value` attribute is not a decimal amount.
    #[error("the order_value attribute is not a decimal amount")]
    InvalidOrderValue(#[source] AmountError),
}

/// The event kinds the metrics and the default phases know, as a one-byte
/// code: the metrics test kinds many times per touchpoint, and comparing
/// codes is cheaper than comparing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Known {
    PageView,
    Search,
    Cart,
    AddToCart,
    Signup,
    Login,
    ChatMessage,
    Purchase,
    Return,
    LoyaltyScan,
    CouponRedeem,
    Checkout,
    Review,
}

impl Known {
    pub(super) const ALL: [(Known, &'static str); 13] = [
        (Known::PageView, "page_view"),
        (Known::Search, "search"),
        (Known::Cart, "cart"),
        (Known::AddToCart, "add_to_cart"),
        (Known::Signup, "signup"),
        (Known::Login, "login"),
        (Known::ChatMessage, "chat_message"),
        (Known::Purchase, "purchase"),
        (Known::Return, "return"),
        (Known::LoyaltyScan, "loyalty_scan"),
        (Known::CouponRedeem, "coupon_redeem"),
        (Known::Checkout, "checkout"),
        (Known::Review, "review"),
    ];

    pub(super) fn of(kind: &str) -> Option<(Known, &'static str)> {
        Known::ALL.iter().find(|(_, name)| *name == kind).copied()
    }
}

/// A kind as kept: known kinds as static text (a million touchpoints do not
/// hold a million copies of `"page_view"`) with their code.
fn intern_kind(kind: String) -> (Cow<'static, str>, Option<Known>) {
    match Known::of(&kind) {
        Some((known, name)) => (Cow::Borrowed(name), Some(known)),
        None => (Cow::Owned(kind), None),
    }
}

fn non_blank(text: &str) -> Option<Box<str>> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.into())
}

/// One touchpoint of a journey: an event's id, time, channel and kind, and
/// the attributes the metrics read (`product`, `order_id`, `order_value`).
///
/// ```
/// use idstitch::journey::Touchpoint;
/// use idstitch::{Channel, Event};
///
/// let event = Event::new("e7")
///     .with_ts("2026-03-04T16:12:00Z".parse().unwrap())
///     .with_channel(Channel::Store)
///     .with_kind("purchase")
///     .with_attr("product", "sku-42")
///     .with_attr("order_value", "129.95");
/// let touchpoint = Touchpoint::from_event(&event);
/// assert_eq!(touchpoint.event_id(), "e7");
/// assert_eq!(touchpoint.kind(), Some("purchase"));
/// assert_eq!(touchpoint.product(), Some("sku-42"));
/// assert_eq!(touchpoint.order_value().unwrap().to_string(), "129.95");
/// assert_eq!(touchpoint.error(), None);
///
/// // A bad order value is reported on the touchpoint, which is kept.
/// let bad = Touchpoint::from_event(&event.clone().with_attr("order_value", "12,95 EUR"));
/// assert_eq!(bad.order_value(), None);
/// assert!(bad.error().is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touchpoint {
    // Boxed strings: a touchpoint is kept for every event, and `Box<str>` is
    // a third smaller than `String`.
    event_id: Box<str>,
    ts: Option<Timestamp>,
    channel: Option<Channel>,
    kind: Option<Cow<'static, str>>,
    /// The code of `kind` when it is a known kind.
    known: Option<Known>,
    product: Option<Box<str>>,
    order_id: Option<Box<str>>,
    order_value: Option<Amount>,
    error: Option<TouchpointError>,
}

impl Touchpoint {
    /// A touchpoint of event `event_id` with nothing else known yet.
    pub fn new(event_id: impl Into<String>) -> Self {
        Touchpoint {
            event_id: event_id.into().into_boxed_str(),
            ts: None,
            channel: None,
            kind: None,
            known: None,
            product: None,
            order_id: None,
            order_value: None,
            error: None,
        }
    }

    /// The touchpoint of `event`: its id, `ts`, channel and kind, and the
    /// attributes `product`, `order_id` and `order_value` (trimmed; a blank
    /// attribute counts as absent).
    ///
    /// An `order_value` that is not a decimal [`Amount`] is left out and
    /// reported by [`error`](Self::error); the touchpoint itself is kept.
    pub fn from_event(event: &Event) -> Self {
        let attrs = event.attrs();
        let mut touchpoint = Touchpoint::new(event.id());
        touchpoint.ts = event.ts();
        touchpoint.channel = event.channel().cloned();
        if let Some(kind) = event.kind() {
            let (kind, known) = intern_kind(kind.to_owned());
            touchpoint.kind = Some(kind);
            touchpoint.known = known;
        }
        touchpoint.product = attrs.get("product").and_then(|v| non_blank(v));
        touchpoint.order_id = attrs.get("order_id").and_then(|v| non_blank(v));
        if let Some(value) = attrs.get("order_value").filter(|v| !v.trim().is_empty()) {
            match value.parse() {
                Ok(amount) => touchpoint.order_value = Some(amount),
                Err(why) => touchpoint.error = Some(TouchpointError::InvalidOrderValue(why)),
            }
        }
        touchpoint
    }

    /// Sets when it happened.
    pub fn with_ts(mut self, ts: Timestamp) -> Self {
        self.ts = Some(ts);
        self
    }

    /// Sets where it happened.
    pub fn with_channel(mut self, channel: Channel) -> Self {
        self.channel = Some(channel);
        self
    }

    /// Sets what happened (`page_view`, `purchase`, …).
    pub fn with_kind(mut self, kind: impl Into<String>) -> Self {
        let (kind, known) = intern_kind(kind.into());
        self.kind = Some(kind);
        self.known = known;
        self
    }

    /// Sets the product it concerns.
    pub fn with_product(mut self, product: impl Into<String>) -> Self {
        self.product = Some(product.into().into_boxed_str());
        self
    }

    /// Sets the order it belongs to.
    pub fn with_order_id(mut self, order_id: impl Into<String>) -> Self {
        self.order_id = Some(order_id.into().into_boxed_str());
        self
    }

    /// Sets the order value.
    pub fn with_order_value(mut self, value: Amount) -> Self {
        self.order_value = Some(value);
        self.error = None;
        self
    }

    /// The event's id.
    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    /// When it happened, if known. Window metrics skip untimed touchpoints.
    pub fn ts(&self) -> Option<Timestamp> {
        self.ts
    }

    /// Where it happened, if known.
    pub fn channel(&self) -> Option<&Channel> {
        self.channel.as_ref()
    }

    /// What happened, if known.
    pub fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
    }

    /// The `product` attribute.
    pub fn product(&self) -> Option<&str> {
        self.product.as_deref()
    }

    /// The `order_id` attribute.
    pub fn order_id(&self) -> Option<&str> {
        self.order_id.as_deref()
    }

    /// The `order_value` attribute, when it was a valid amount.
    pub fn order_value(&self) -> Option<Amount> {
        self.order_value
    }

    /// What could not be read from the event, if anything.
    pub fn error(&self) -> Option<TouchpointError> {
        self.error
    }

    pub(super) fn millis(&self) -> Option<i64> {
        self.ts.map(Timestamp::unix_millis)
    }

    pub(super) fn known(&self) -> Option<Known> {
        self.known
    }

    pub(super) fn is(&self, kind: Known) -> bool {
        self.known == Some(kind)
    }

    pub(super) fn on(&self, channel: &Channel) -> bool {
        self.channel.as_ref() == Some(channel)
    }
}

/// Journey order: by time, untimed last, then by event id. Total for
/// distinct (time, id) pairs, so the order never depends on arrival.
pub(super) fn journey_order(a: &Touchpoint, b: &Touchpoint) -> Ordering {
    let time = match (a.ts, b.ts) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    time.then_with(|| a.event_id.cmp(&b.event_id))
}

/// The same event seen twice: equal id and time.
pub(super) fn same_event(a: &Touchpoint, b: &Touchpoint) -> bool {
    a.ts == b.ts && a.event_id == b.event_id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly() {
        let parse = |text: &str| text.parse::<Amount>().map(Amount::ten_thousandths);
        assert_eq!(parse("129.95"), Ok(1_299_500));
        assert_eq!(parse("+7"), Ok(70_000));
        assert_eq!(parse(".5"), Ok(5_000));
        assert_eq!(parse("5."), Ok(50_000));
        assert_eq!(parse("0.0125"), Ok(125));
        assert_eq!(parse("1.50000000"), Ok(15_000));
        assert_eq!(parse("-3.25"), Ok(-32_500));
        assert_eq!(parse("  "), Err(AmountError::Empty));
        for bad in [
            ".", "-", "1.2.3", "1e3", "12 EUR", "1,5", "--1", "0x10", "½",
        ] {
            assert_eq!(parse(bad), Err(AmountError::Malformed), "{bad:?}");
        }
        assert_eq!(parse("0.00001"), Err(AmountError::TooPrecise));
        assert_eq!(parse("99999999999999999999"), Err(AmountError::TooLarge));
        assert_eq!(parse("922337203685478"), Err(AmountError::TooLarge));
    }

    #[test]
    fn amounts_display_round_trip() {
        for text in [
            "0",
            "1",
            "-1",
            "129.95",
            "0.0001",
            "-0.5",
            "922337203685477.5807",
        ] {
            assert_eq!(text.parse::<Amount>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn from_event_reads_attrs_and_reports_bad_values() {
        let event = Event::new("e1")
            .with_kind("purchase")
            .with_attr("product", "  ")
            .with_attr("order_id", " o-1 ")
            .with_attr("order_value", "12,50");
        let touchpoint = Touchpoint::from_event(&event);
        assert_eq!(touchpoint.product(), None);
        assert_eq!(touchpoint.order_id(), Some("o-1"));
        assert_eq!(touchpoint.order_value(), None);
        assert_eq!(
            touchpoint.error(),
            Some(TouchpointError::InvalidOrderValue(AmountError::Malformed))
        );
        assert!(matches!(touchpoint.kind, Some(Cow::Borrowed("purchase"))));
        let blank = Touchpoint::from_event(&event.with_attr("order_value", ""));
        assert_eq!((blank.order_value(), blank.error()), (None, None));
    }
}
