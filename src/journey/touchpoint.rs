//! One event as a journey sees it: when, where, what, and the few attributes
//! the metrics read.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use super::config::built_in_index;
use crate::event::Event;
use crate::identifier::Channel;
use crate::resolver::KNOWN_CHANNELS;
use crate::time::Timestamp;

/// Fractional digits an [`Amount`] keeps: four, so that currencies with three
/// minor digits and unit prices such as `0.0125` stay exact.
const SCALE_DIGITS: u32 = 4;
pub(super) const SCALE: i64 = 10_i64.pow(SCALE_DIGITS);

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

    pub(super) fn of(kind: &str) -> Option<Known> {
        Known::ALL
            .iter()
            .find(|(_, name)| *name == kind)
            .map(|&(known, _)| known)
    }

    pub(super) fn name(self) -> &'static str {
        Known::ALL[self as usize].1
    }
}

fn non_blank(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty()).then_some(text)
}

/// The parts of a touchpoint's text, in the order they are kept.
#[derive(Clone, Copy)]
enum Part {
    EventId,
    Product,
    OrderId,
    /// A kind that is not [`Known`].
    CustomKind,
}

/// Built-in channels by number ([`built_in_index`]), for
/// [`Touchpoint::channel`] to lend.
static CHANNELS: [Channel; KNOWN_CHANNELS.len()] = KNOWN_CHANNELS;
/// [`Touchpoint::channel`] codes besides built-in channel numbers.
const CUSTOM_CHANNEL: u8 = 254;
const NO_CHANNEL: u8 = 255;

/// Flags of [`Touchpoint::flags`]: which optional parts are present.
const TIMED: u8 = 1;
const VALUED: u8 = 1 << 1;
const PRODUCT: u8 = 1 << 2;
const ORDER_ID: u8 = 1 << 3;
const CUSTOM_KIND: u8 = 1 << 4;

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
///
/// # Size
/// A touchpoint is kept for every event, three times over in a report with
/// a baseline and the truth, so it is kept small: one allocation holds its
/// text (event id, product, order id and a kind that is not one of the
/// kinds the metrics know).
#[derive(Clone, PartialEq, Eq)]
pub struct Touchpoint {
    /// The event id, product, order id and custom kind back to back: one
    /// allocation instead of up to four. Absent parts are empty.
    text: Box<str>,
    /// Where the event id, product and order id end in `text` (the custom
    /// kind runs to the end).
    ends: [usize; 3],
    /// Milliseconds since the epoch when [`TIMED`], else 0: a bare `i64`
    /// and a flag bit take half the room of an `Option<Timestamp>`.
    millis: i64,
    /// Ten-thousandths when [`VALUED`], else 0.
    order_value: i64,
    /// The channel's number when built in ([`built_in_index`]), else
    /// [`CUSTOM_CHANNEL`] or [`NO_CHANNEL`]: a byte, where an
    /// `Option<Channel>` takes 24.
    channel: u8,
    /// The channel when it is a custom one (rare: a pointer's room).
    custom_channel: Option<Box<Channel>>,
    /// The code of the kind when it is a known kind (its name is then not
    /// in `text`): the metrics test kinds many times per touchpoint.
    known: Option<Known>,
    /// [`TIMED`], [`VALUED`], [`PRODUCT`], [`ORDER_ID`], [`CUSTOM_KIND`].
    flags: u8,
    error: Option<TouchpointError>,
}

impl Touchpoint {
    /// A touchpoint of event `event_id` with nothing else known yet.
    pub fn new(event_id: impl Into<String>) -> Self {
        let text = event_id.into().into_boxed_str();
        let end = text.len();
        Touchpoint {
            text,
            ends: [end; 3],
            millis: 0,
            order_value: 0,
            channel: NO_CHANNEL,
            custom_channel: None,
            known: None,
            flags: 0,
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
        let product = attrs.get("product").and_then(|v| non_blank(v));
        let order_id = attrs.get("order_id").and_then(|v| non_blank(v));
        let (known, custom_kind) = match event.kind() {
            Some(kind) => match Known::of(kind) {
                Some(known) => (Some(known), None),
                None => (None, Some(kind)),
            },
            None => (None, None),
        };
        let mut touchpoint =
            Touchpoint::of_parts([Some(event.id()), product, order_id, custom_kind]);
        touchpoint.known = known;
        if let Some(channel) = event.channel() {
            touchpoint.set_channel(channel.clone());
        }
        if let Some(ts) = event.ts() {
            touchpoint.set_ts(ts);
        }
        if let Some(value) = attrs.get("order_value").filter(|v| !v.trim().is_empty()) {
            match value.parse() {
                Ok(amount) => touchpoint.set_order_value(amount),
                Err(why) => touchpoint.error = Some(TouchpointError::InvalidOrderValue(why)),
            }
        }
        touchpoint
    }

    /// A touchpoint of only these parts, in one allocation: event id,
    /// product, order id, custom kind.
    fn of_parts(parts: [Option<&str>; 4]) -> Self {
        let len = parts.iter().flatten().map(|part| part.len()).sum();
        let mut text = String::with_capacity(len);
        let mut ends = [0; 3];
        for (at, part) in parts[..3].iter().enumerate() {
            text.push_str(part.unwrap_or_default());
            ends[at] = text.len();
        }
        text.push_str(parts[3].unwrap_or_default());
        let flag = |at: usize, flag: u8| if parts[at].is_some() { flag } else { 0 };
        Touchpoint {
            text: text.into_boxed_str(),
            ends,
            millis: 0,
            order_value: 0,
            channel: NO_CHANNEL,
            custom_channel: None,
            known: None,
            flags: flag(1, PRODUCT) | flag(2, ORDER_ID) | flag(3, CUSTOM_KIND),
            error: None,
        }
    }

    /// Part `part` of the text, whether present or not (then empty).
    fn part(&self, part: Part) -> &str {
        let at = part as usize;
        let start = if at == 0 { 0 } else { self.ends[at - 1] };
        let end = self.ends.get(at).map_or(self.text.len(), |end| *end);
        &self.text[start..end]
    }

    /// Part `part` when present.
    fn optional(&self, part: Part, flag: u8) -> Option<&str> {
        (self.flags & flag != 0).then(|| self.part(part))
    }

    /// The touchpoint with part `part` replaced by `value` (the builders:
    /// not a hot path, so the text is rebuilt).
    fn with_part(self, part: Part, value: Option<&str>) -> Self {
        let mut parts = [
            Some(self.part(Part::EventId)),
            self.optional(Part::Product, PRODUCT),
            self.optional(Part::OrderId, ORDER_ID),
            self.optional(Part::CustomKind, CUSTOM_KIND),
        ];
        parts[part as usize] = value;
        let rebuilt = Touchpoint::of_parts(parts);
        const PARTS: u8 = PRODUCT | ORDER_ID | CUSTOM_KIND;
        Touchpoint {
            text: rebuilt.text,
            ends: rebuilt.ends,
            flags: (self.flags & !PARTS) | rebuilt.flags,
            ..self
        }
    }

    fn set_channel(&mut self, channel: Channel) {
        match built_in_index(&channel) {
            Some(number) => {
                self.channel = number as u8;
                self.custom_channel = None;
            }
            None => {
                self.channel = CUSTOM_CHANNEL;
                self.custom_channel = Some(Box::new(channel));
            }
        }
    }

    fn set_ts(&mut self, ts: Timestamp) {
        self.millis = ts.unix_millis();
        self.flags |= TIMED;
    }

    fn set_order_value(&mut self, value: Amount) {
        self.order_value = value.ten_thousandths();
        self.flags |= VALUED;
    }

    /// Sets when it happened.
    pub fn with_ts(mut self, ts: Timestamp) -> Self {
        self.set_ts(ts);
        self
    }

    /// Sets where it happened.
    pub fn with_channel(mut self, channel: Channel) -> Self {
        self.set_channel(channel);
        self
    }

    /// Sets what happened (`page_view`, `purchase`, …).
    pub fn with_kind(self, kind: impl Into<String>) -> Self {
        let kind = kind.into();
        match Known::of(&kind) {
            Some(known) => {
                let mut touchpoint = self.with_part(Part::CustomKind, None);
                touchpoint.known = Some(known);
                touchpoint
            }
            None => {
                let mut touchpoint = self.with_part(Part::CustomKind, Some(&kind));
                touchpoint.known = None;
                touchpoint
            }
        }
    }

    /// Sets the product it concerns, trimmed; a blank one clears it, as in
    /// [`from_event`](Self::from_event).
    pub fn with_product(self, product: impl AsRef<str>) -> Self {
        self.with_part(Part::Product, non_blank(product.as_ref()))
    }

    /// Sets the order it belongs to, trimmed; a blank one clears it, as in
    /// [`from_event`](Self::from_event).
    pub fn with_order_id(self, order_id: impl AsRef<str>) -> Self {
        self.with_part(Part::OrderId, non_blank(order_id.as_ref()))
    }

    /// Sets the order value.
    pub fn with_order_value(mut self, value: Amount) -> Self {
        self.set_order_value(value);
        self.error = None;
        self
    }

    /// The event's id.
    pub fn event_id(&self) -> &str {
        self.part(Part::EventId)
    }

    /// When it happened, if known. Window metrics skip untimed touchpoints.
    pub fn ts(&self) -> Option<Timestamp> {
        self.millis().map(Timestamp::from_unix_millis)
    }

    /// Where it happened, if known.
    pub fn channel(&self) -> Option<&Channel> {
        match self.channel {
            NO_CHANNEL => None,
            CUSTOM_CHANNEL => self.custom_channel.as_deref(),
            number => CHANNELS.get(usize::from(number)),
        }
    }

    /// What happened, if known.
    pub fn kind(&self) -> Option<&str> {
        match self.known {
            Some(known) => Some(known.name()),
            None => self.optional(Part::CustomKind, CUSTOM_KIND),
        }
    }

    /// The `product` attribute.
    pub fn product(&self) -> Option<&str> {
        self.optional(Part::Product, PRODUCT)
    }

    /// The `order_id` attribute.
    pub fn order_id(&self) -> Option<&str> {
        self.optional(Part::OrderId, ORDER_ID)
    }

    /// The `order_value` attribute, when it was a valid amount.
    pub fn order_value(&self) -> Option<Amount> {
        (self.flags & VALUED != 0).then_some(Amount(self.order_value))
    }

    /// What could not be read from the event, if anything.
    pub fn error(&self) -> Option<TouchpointError> {
        self.error
    }

    pub(super) fn millis(&self) -> Option<i64> {
        (self.flags & TIMED != 0).then_some(self.millis)
    }

    pub(super) fn known(&self) -> Option<Known> {
        self.known
    }

    pub(super) fn is(&self, kind: Known) -> bool {
        self.known == Some(kind)
    }

    pub(super) fn on(&self, channel: &Channel) -> bool {
        self.channel() == Some(channel)
    }

    /// The event id's bytes, for ordering: bytewise order is `str` order.
    fn event_id_bytes(&self) -> &[u8] {
        &self.text.as_bytes()[..self.ends[0]]
    }
}

impl fmt::Debug for Touchpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Touchpoint")
            .field("event_id", &self.event_id())
            .field("ts", &self.ts())
            .field("channel", &self.channel())
            .field("kind", &self.kind())
            .field("product", &self.product())
            .field("order_id", &self.order_id())
            .field("order_value", &self.order_value())
            .field("error", &self.error)
            .finish()
    }
}

/// Journey order: by time, untimed last, then by event id. Total for
/// distinct (time, id) pairs, so the order never depends on arrival.
pub(super) fn journey_order(a: &Touchpoint, b: &Touchpoint) -> Ordering {
    let time = match (a.millis(), b.millis()) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    time.then_with(|| a.event_id_bytes().cmp(b.event_id_bytes()))
}

/// The same event seen twice: equal id and time.
pub(super) fn same_event(a: &Touchpoint, b: &Touchpoint) -> bool {
    a.millis() == b.millis() && a.event_id_bytes() == b.event_id_bytes()
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
    fn a_touchpoint_stays_small() {
        // Kept for every event, up to three times over in a report. (Text
        // offsets are `usize`, so no text length can overflow them.)
        assert_eq!(std::mem::size_of::<Touchpoint>(), 72);
    }

    #[test]
    fn known_kinds_are_listed_in_declaration_order() {
        // `Known::name` and the phase table index `ALL` by the code.
        for (at, (known, name)) in Known::ALL.iter().enumerate() {
            assert_eq!(*known as usize, at, "{name}");
            assert_eq!(Known::of(name), Some(*known));
            assert_eq!(known.name(), *name);
        }
    }

    #[test]
    fn builders_replace_each_part_alone() {
        let touchpoint = Touchpoint::new("e1")
            .with_kind("visit")
            .with_product("sku-1")
            .with_order_id("o-1")
            .with_kind("purchase")
            .with_product(" ")
            .with_ts(Timestamp::from_unix_millis(-5))
            .with_order_value(Amount::from_ten_thousandths(0));
        assert_eq!(touchpoint.event_id(), "e1");
        assert_eq!(touchpoint.kind(), Some("purchase"));
        assert_eq!(touchpoint.product(), None);
        assert_eq!(touchpoint.order_id(), Some("o-1"));
        assert_eq!(
            touchpoint.clone().with_product(" sku-2 ").product(),
            Some("sku-2")
        );
        assert_eq!(touchpoint.ts(), Some(Timestamp::from_unix_millis(-5)));
        assert_eq!(touchpoint.order_value(), Some(Amount::default()));
        let custom = touchpoint.clone().with_kind("visit").with_order_id("o-2");
        assert_eq!(custom.kind(), Some("visit"));
        assert_eq!((custom.product(), custom.order_id()), (None, Some("o-2")));
        assert_eq!(
            custom.with_kind("purchase").with_order_id("o-1"),
            touchpoint
        );
        let kiosk: Channel = "kiosk".parse().unwrap();
        let moved = touchpoint.clone().with_channel(kiosk.clone());
        assert_eq!(moved.channel(), Some(&kiosk));
        assert!(!moved.on(&Channel::Store));
        let back = moved.with_channel(Channel::Store);
        assert_eq!(back.channel(), Some(&Channel::Store));
        assert!(back.on(&Channel::Store));
        assert_eq!(back, touchpoint.clone().with_channel(Channel::Store));
        let bare = Touchpoint::new("é");
        assert_eq!(
            (
                bare.kind(),
                bare.product(),
                bare.order_id(),
                bare.ts(),
                bare.order_value()
            ),
            (None, None, None, None, None)
        );
        assert!(format!("{bare:?}").contains("event_id: \"é\""));
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
        assert_eq!(touchpoint.known, Some(Known::Purchase));
        assert_eq!(touchpoint.kind(), Some("purchase"));
        let blank = Touchpoint::from_event(&event.with_attr("order_value", ""));
        assert_eq!((blank.order_value(), blank.error()), (None, None));
    }
}
