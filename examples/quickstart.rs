//! A small story, resolved: one customer's web visits, live chat, WhatsApp
//! messages, till receipts and a service call become one profile; a store
//! kiosk that many customers log in on is caught as a shared value instead
//! of gluing them together; and a family's shared address is forgotten on
//! request. Journeys follow the resolver all along: the story ends with the
//! customer's journey and the omnichannel metrics, with and without
//! resolution.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;

use idstitch::journey::{Journeys, MetricsConfig, Touchpoint};
use idstitch::jsonl::{EventReader, RejectRecord};
use idstitch::{
    Change, ErrorKind, Event, GenericValue, Identifier, IdentifierKey, IdentifierKind, ProfileId,
    Region, Resolver, ResolverBuilder, ReviewItem, ReviewReason, SecretKey, SplitCause, Timestamp,
};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/data/quickstart.jsonl"
);

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// What the printout shows of one event, kept while reading.
struct Seen {
    ts: Option<Timestamp>,
    channel: String,
    kind: String,
    name: Option<String>,
    /// Keys of the identifiers it carried that could be keyed.
    keys: Vec<IdentifierKey>,
}

/// Everything read from the file, in input order.
struct Story {
    order: Vec<String>,
    seen: HashMap<String, Seen>,
    rejects: Vec<RejectRecord>,
    /// The change log, drained after every event so that each change is
    /// told with the event that caused it.
    changes: Vec<(String, Change)>,
    /// Links a limit held back, with the event that carried them.
    reviews: Vec<ReviewItem>,
    /// The distinct events, for the journeys without resolution.
    events: Vec<Event>,
    /// Every profile's journey, following the resolver event by event.
    journeys: Journeys<ProfileId>,
}

impl Story {
    /// Events of `profile` in time order (a stable sort: ties and events
    /// without a time keep input order).
    fn events_of(&self, resolver: &Resolver, profile: ProfileId) -> Vec<&str> {
        let mut events: Vec<&str> = self
            .order
            .iter()
            .map(String::as_str)
            .filter(|id| resolver.event_profile(id) == Some(profile))
            .collect();
        events.sort_by_key(|id| (self.seen[*id].ts.is_none(), self.seen[*id].ts));
        events
    }

    /// The name given at the profile's earliest event that has one.
    fn name_of(&self, resolver: &Resolver, profile: ProfileId) -> &str {
        self.events_of(resolver, profile)
            .iter()
            .find_map(|id| self.seen[*id].name.as_deref())
            .unwrap_or("(anonymous)")
    }

    /// Events that carried `key`, in input order.
    fn carrying(&self, key: IdentifierKey) -> impl Iterator<Item = &str> {
        self.order
            .iter()
            .map(String::as_str)
            .filter(move |id| self.seen[*id].keys.contains(&key))
    }
}

fn main() -> Result<()> {
    let mut resolver = ResolverBuilder::new(SecretKey::derive("quickstart demo secret"))
        .default_region(Region::NL)
        .keep_values(true)
        .build();
    let mut story = read(&mut resolver)?;

    // A readable name for every identifier key (for merges and splits).
    let names: HashMap<IdentifierKey, String> = resolver
        .profiles()
        .flat_map(|profile| profile.identifiers().to_vec())
        .map(|identifier| {
            (
                identifier.key(),
                format!("{} {identifier}", identifier.kind()),
            )
        })
        .collect();
    let name = |key: &IdentifierKey| names.get(key).map_or("?", String::as_str);
    let generic = resolver.generic_values();
    let shared = |id: &str| {
        let keys = &story.seen[id].keys;
        generic.iter().any(|g| keys.contains(&g.identifier().key()))
    };

    let count_changes = |pick: fn(&Change) -> bool| {
        story
            .changes
            .iter()
            .filter(|(_, change)| pick(change))
            .count()
    };
    println!(
        "{} events -> {} unified profiles, {}, {}, {} rejected values\n",
        story.order.len(),
        resolver.profile_count(),
        count(count_changes(|c| matches!(c, Change::Merged(_))), "merge"),
        count(count_changes(|c| matches!(c, Change::Split(_))), "split"),
        story.rejects.len()
    );
    // Profiles seen only through a shared value are shown with it, below.
    let mut hidden = 0;
    for profile in resolver.profiles() {
        let events = story.events_of(&resolver, profile.id());
        if events.iter().all(|id| shared(id)) {
            hidden += 1;
            continue;
        }
        println!(
            "{}  {}",
            profile.id(),
            story.name_of(&resolver, profile.id())
        );
        let (first, last) = (when(profile.first_seen()), when(profile.last_seen()));
        let span = if first == last {
            first
        } else {
            format!("{first} .. {last}")
        };
        let seen = count(profile.event_count(), "event");
        println!("  {:<13} {span}  ({seen})", "seen");
        let channels: Vec<&str> = profile.channels().iter().map(|c| c.as_str()).collect();
        println!("  {:<13} {}", "channels", channels.join(", "));
        let mut kinds: Vec<&IdentifierKind> =
            profile.identifiers().iter().map(|i| i.kind()).collect();
        kinds.dedup();
        for kind in kinds {
            let values: Vec<String> = profile
                .identifiers_of(kind)
                .map(|i| i.to_string())
                .collect();
            println!("  {:<13} {}", kind.as_str(), values.join(", "));
        }
        for (n, id) in events.iter().enumerate() {
            let event = &story.seen[*id];
            let label = if n == 0 { "journey" } else { "" };
            println!(
                "  {label:<13} {}  {id:<4} {:<12} {}",
                when(event.ts),
                event.channel,
                event.kind
            );
        }
        println!();
    }
    if hidden > 0 {
        println!(
            "(and {} seen only with the kiosk cookie, shown below)\n",
            count(hidden, "profile")
        );
    }

    println!("Changes (a merge keeps the id of the profile seen first)");
    for (event, change) in &story.changes {
        match change {
            Change::Merged(merge) => println!(
                "  {event:<4} joined {} into {}  via {}",
                merge.retired(),
                merge.survivor(),
                name(&merge.via())
            ),
            Change::Renamed(rename) => {
                println!("  {event:<4} renamed {} to {}", rename.from(), rename.to())
            }
            Change::Split(split) => {
                let why = match split.cause() {
                    SplitCause::Generic(key) => format!("{} is shared", name(key)),
                    _ => "an identifier was forgotten".to_owned(),
                };
                println!(
                    "  {event:<4} split {} into {}: {why}",
                    split.from(),
                    count(split.parts().len(), "profile")
                );
            }
            other => println!("  {event:<4} {other:?}"),
        }
    }

    println!("\nWhy is web cookie ck_7f3a9c the customer who showed card 4471-0092 1183?");
    let cookie = Identifier::cookie("ck_7f3a9c");
    let card = Identifier::loyalty_card("4471-0092 1183");
    match resolver.explain(&cookie, &card)? {
        Some(why) => {
            for link in why.links() {
                let channel = link.channel().map_or("-", |channel| channel.as_str());
                let when = link.ts().map_or_else(|| "-".to_owned(), short);
                println!(
                    "  {:<24} and {:<24} were seen together in {:<4} ({channel}, {when})",
                    link.from().to_string(),
                    link.to().to_string(),
                    link.event(),
                );
            }
        }
        None => println!("  they are not linked"),
    }

    for value in &generic {
        show_shared_value(&resolver, &story, value)?;
    }
    forget_the_family_address(&mut resolver, &mut story)?;

    println!("\nRejected values (the rest of each event was kept)");
    for reject in &story.rejects {
        println!(
            "  line {:<3} {:<4} {:<7} {}",
            reject.line(),
            reject.event().unwrap_or("-"),
            reject.kind().unwrap_or("-"),
            reject.error()
        );
    }
    show_the_journey(&resolver, &story)
}

/// Jan's journey as the journeys kept it, and the metrics over everyone,
/// with and without resolution.
fn show_the_journey(resolver: &Resolver, story: &Story) -> Result<()> {
    let jan = resolver
        .lookup(&Identifier::email("jan.devries@example.com"))?
        .ok_or("Jan is known")?;
    let journey = story.journeys.journey(&jan).ok_or("Jan has a journey")?;
    println!(
        "\nThe journey of {} ({jan}), kept up to date as the profiles merged and split",
        story.name_of(resolver, jan)
    );
    let text = |value: Option<&str>| value.unwrap_or("-").to_owned();
    for touchpoint in journey.touchpoints() {
        println!(
            "  {}  {:<4} {:<12} {:<13} {}",
            when(touchpoint.ts()),
            touchpoint.event_id(),
            text(touchpoint.channel().map(|c| c.as_str())),
            text(touchpoint.kind()),
            text(touchpoint.product()),
        );
    }
    // The events no profile holds any more (forgotten) are left out on both sides.
    let kept = story
        .events
        .iter()
        .filter(|event| resolver.event_profile(event.id()).is_some());
    let unresolved = Journeys::unresolved(MetricsConfig::default(), kept).metrics();
    let resolved = story.journeys.metrics();
    println!(
        "Metrics (7-day window) with resolution: {} of {} offline purchases ROPO, {} reverse ROPO, \
         {} of {} purchases chat-assisted, {} multichannel profiles; without: {}, {}, {}, {}",
        resolved.ropo_purchases,
        resolved.offline_purchases,
        resolved.reverse_ropo_purchases,
        resolved.chat_assisted_purchases,
        resolved.purchases,
        resolved.multichannel_profiles,
        unresolved.ropo_purchases,
        unresolved.reverse_ropo_purchases,
        unresolved.chat_assisted_purchases,
        unresolved.multichannel_profiles,
    );
    Ok(())
}

/// Reads the bundled events into `resolver`.
fn read(resolver: &mut Resolver) -> Result<Story> {
    let mut story = Story {
        order: Vec::new(),
        seen: HashMap::new(),
        rejects: Vec::new(),
        changes: Vec::new(),
        reviews: Vec::new(),
        events: Vec::new(),
        journeys: Journeys::new(MetricsConfig::default()),
    };
    for parsed in EventReader::new(BufReader::new(File::open(DATA)?)) {
        let parsed = parsed?;
        story.rejects.extend(parsed.rejects().iter().cloned());
        let Some(event) = parsed.event() else {
            continue;
        };
        let outcome = resolver.observe(event)?;
        story.rejects.extend(RejectRecord::from_observation(
            parsed.line(),
            event,
            &outcome,
        ));
        let id = event.id().to_owned();
        story.reviews.extend(outcome.reviews().iter().cloned());
        // The journey of the event's profile as the event left it, then
        // the changes it made: each moves the journeys it touches.
        // (`Journeys::follow` does both, and drains the change log.)
        if !outcome.is_replay() {
            story
                .journeys
                .add(outcome.profile(), Touchpoint::from_event(event));
        }
        for change in resolver.drain_changes() {
            story.journeys.apply_change(&change, resolver);
            story.changes.push((id.clone(), change));
        }
        if outcome.is_replay() {
            continue;
        }
        story.events.push(event.clone());
        let text = |s: Option<&str>| s.unwrap_or("-").to_owned();
        let keys = event
            .identifiers()
            .iter()
            .filter_map(|identifier| resolver.key_of(identifier).ok())
            .collect();
        story.seen.insert(
            id.clone(),
            Seen {
                ts: event.ts(),
                channel: text(event.channel().map(|c| c.as_str())),
                kind: text(event.kind()),
                name: event.attrs().get("name").cloned(),
                keys,
            },
        );
        story.order.push(id);
    }
    Ok(story)
}

/// A value many customers share (the kiosk's cookie): how it was caught,
/// and that every visit stayed with its own customer.
fn show_shared_value(resolver: &Resolver, story: &Story, value: &GenericValue) -> Result<()> {
    let key = value.identifier().key();
    let marked_by = story
        .changes
        .iter()
        .find_map(|(event, change)| match change {
            Change::Split(split) if *split.cause() == SplitCause::Generic(key) => {
                Some(event.as_str())
            }
            _ => None,
        });
    println!(
        "\nShared value caught: {} {}, marked generic at {}",
        value.identifier().kind(),
        value.identifier(),
        marked_by.unwrap_or("?"),
    );
    let held: Vec<&str> = story
        .reviews
        .iter()
        .filter(|item| item.held().key() == key || item.kept().key() == key)
        .map(ReviewItem::event)
        .collect();
    let limit = story.reviews.iter().find_map(|item| match item.reason() {
        ReviewReason::LimitExceeded { kind, limit } if held.contains(&item.event()) => {
            Some(format!("{limit} {kind} values"))
        }
        _ => None,
    });
    let tried = match limit {
        Some(limit) => format!(
            " ({} only tried: at {} the limit of {limit} held it back)",
            held.len(),
            held.join(" and ")
        ),
        None => String::new(),
    };
    println!(
        "  it had joined {}{tried}",
        count(value.profiles(), "profile")
    );
    println!(
        "  {} carried it later, and it linked nothing; each visit stayed with its own customer:",
        count(value.later_events(), "event"),
    );
    let own = resolver.lookup_key(key);
    let mut customers: Vec<(ProfileId, &str)> = Vec::new();
    for id in story.carrying(key) {
        let profile = resolver
            .event_profile(id)
            .ok_or("every event has a profile")?;
        let who = if Some(profile) == own {
            "(anonymous: the shared value's own profile)"
        } else {
            let name = story.name_of(resolver, profile);
            if !customers.contains(&(profile, name)) {
                customers.push((profile, name));
            }
            name
        };
        // A customer seen elsewhere too has a profile shown above.
        let above = story
            .events_of(resolver, profile)
            .iter()
            .any(|event| !story.seen[*event].keys.contains(&key));
        let above = if above { "  (the profile above)" } else { "" };
        println!(
            "  {}  {id:<4} {profile}  {who}{above}",
            when(story.seen[id].ts)
        );
    }
    // Each customer's profile holds none of the others' identifiers.
    let mut glued = 0;
    for &(profile, name) in &customers {
        let Some(profile) = resolver.profile(profile) else {
            continue;
        };
        let theirs = story
            .carrying(key)
            .filter(|id| story.seen[*id].name.as_deref().is_some_and(|n| n != name))
            .flat_map(|id| &story.seen[id].keys);
        let mine: Vec<IdentifierKey> = profile.identifiers().iter().map(|i| i.key()).collect();
        glued += theirs.filter(|k| mine.contains(k)).count();
    }
    let mut people: Vec<&str> = customers.iter().map(|&(_, name)| name).collect();
    people.sort_unstable();
    people.dedup();
    let glued = if glued == 0 {
        "none holds another customer's identifiers".to_owned()
    } else {
        format!(
            "{} ended up with another customer",
            count(glued, "identifier")
        )
    };
    println!(
        "  {} -> {}; {glued}",
        count(people.len(), "customer"),
        count(customers.len(), "profile"),
    );
    Ok(())
}

/// Els Bakker asks that the address she shares with Piet be forgotten: the
/// family profile splits, and replaying the events does not bring it back.
fn forget_the_family_address(resolver: &mut Resolver, story: &mut Story) -> Result<()> {
    const ADDRESS: &str = "bakker.thuis@ziggo.nl";
    let address = Identifier::email(ADDRESS);
    println!("\nForget: Els Bakker asks us to erase the family address {ADDRESS}");
    let before = resolver.lookup(&address)?.ok_or("the address is known")?;
    let was = format!(
        "{}, {}",
        story.name_of(resolver, before),
        count(story.events_of(resolver, before).len(), "event")
    );
    let forgotten = resolver.forget(&address)?;
    // The journeys follow: the split, and the event that carried only the
    // address, which no profile holds any more.
    if let Some(profile) = forgotten.profile() {
        story.journeys.refresh(profile, resolver);
    }
    for change in resolver.drain_changes() {
        story.journeys.apply_change(&change, resolver);
    }
    let parts: Vec<ProfileId> = match forgotten.split() {
        Some(split) => split.parts().to_vec(),
        None => vec![before],
    };
    println!("  {before}  ({was}) became");
    for &part in &parts {
        let profile = resolver.profile(part).ok_or("a part is a live profile")?;
        let identifiers: Vec<String> = profile
            .identifiers()
            .iter()
            .map(|i| format!("{} {i}", i.kind()))
            .collect();
        let back = story
            .changes
            .iter()
            .find_map(|(event, change)| match change {
                Change::Merged(merge) if merge.retired() == part => {
                    Some(format!("  (its id again: {event} had retired it)"))
                }
                _ => None,
            });
        println!(
            "    {part}  {:<12} {:<10} {}{}",
            story.name_of(resolver, part),
            story.events_of(resolver, part).join(" "),
            identifiers.join(", "),
            back.unwrap_or_default()
        );
    }
    let erased: Vec<&str> = story
        .order
        .iter()
        .map(String::as_str)
        .filter(|id| resolver.event_profile(id).is_none())
        .collect();
    println!(
        "    {:<18}  {:<12} {:<10} carried only the address: {} erased",
        "(no profile)",
        "",
        erased.join(" "),
        count(forgotten.erased_events(), "event")
    );

    // Replay the whole file: seen event ids change nothing.
    let profiles = resolver.profile_count();
    let (mut unchanged, mut refused, mut applied) = (0, Vec::new(), 0);
    let mut why = String::new();
    for parsed in EventReader::new(BufReader::new(File::open(DATA)?)) {
        let Some(event) = parsed?.into_event() else {
            continue;
        };
        match resolver.observe(&event) {
            Ok(outcome) if outcome.is_replay() => unchanged += 1,
            Ok(_) => applied += 1,
            Err(error) if matches!(error.kind(), ErrorKind::Forgotten) => {
                refused.push(event.id().to_owned());
                why = error.to_string();
            }
            Err(error) => return Err(error.into()),
        }
    }
    println!(
        "  Replaying all {} events: {unchanged} changed nothing, {applied} applied, {} refused ({why})",
        unchanged + applied + refused.len(),
        refused.join(" "),
    );
    let unknown = resolver.lookup(&address)?.is_none();
    let mut now: Vec<Option<ProfileId>> = parts.iter().map(|&p| resolver.canonical(p)).collect();
    now.sort_unstable();
    now.dedup();
    let apart = now.len() == parts.len() && resolver.changes().is_empty();
    println!(
        "  the address is {}, and the {} {}; {} before and after",
        if unknown { "still unknown" } else { "BACK" },
        count(parts.len(), "part"),
        if apart {
            "stay apart"
        } else {
            "were JOINED AGAIN"
        },
        count(profiles, "profile"),
    );
    if resolver.profile_count() != profiles {
        println!("  but now {}", count(resolver.profile_count(), "profile"));
    }
    Ok(())
}

/// `3 events`, `1 event`.
fn count(n: impl std::fmt::Display, what: &str) -> String {
    let n = n.to_string();
    let plural = if n == "1" { "" } else { "s" };
    format!("{n} {what}{plural}")
}

/// `2026-03-02T07:48:10Z` as `2026-03-02 07:48`.
fn short(ts: Timestamp) -> String {
    let text = ts.to_string();
    format!("{} {}", &text[..10], &text[11..16])
}

/// A time as [`short`] shows it, `?` when there is none.
fn when(ts: Option<Timestamp>) -> String {
    ts.map_or_else(|| "?".into(), short)
}
