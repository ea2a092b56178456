//! Journeys keyed by profile, kept in step with a [`Resolver`].

use super::{Journeys, Touchpoint};
use crate::event::Event;
use crate::profile::ProfileId;
use crate::protect::Change;
use crate::resolver::{Observation, Resolver};

impl<K: Eq + std::hash::Hash + Clone> Journeys<K> {
    /// Takes the journeys of `from` out and puts each of their touchpoints
    /// back under the customer `assign` gives it, dropping those it gives
    /// none; returns how many touchpoints left their customer.
    ///
    /// In one [`extend`](Extend::extend), so that a journey that many
    /// others join is rebuilt once, not once per journey joining it.
    pub(super) fn reassign(
        &mut self,
        from: impl IntoIterator<Item = K>,
        mut assign: impl FnMut(&Touchpoint) -> Option<K>,
    ) -> usize {
        let mut moved = Vec::new();
        let mut left = 0;
        for customer in from {
            // A customer named twice is taken once.
            let Some(journey) = self.take(&customer) else {
                continue;
            };
            for touchpoint in journey.touchpoints {
                match assign(&touchpoint) {
                    Some(to) => {
                        left += usize::from(to != customer);
                        moved.push((to, touchpoint));
                    }
                    None => left += 1,
                }
            }
        }
        self.extend(moved);
        left
    }
}

impl Journeys<ProfileId> {
    /// Brings the journeys up to date with `resolver`: adds the touchpoints
    /// of the events it has just observed, each with what
    /// [`observe`](Resolver::observe) (or
    /// [`observe_batch`](Resolver::observe_batch)) said of it, then follows
    /// the changes it recorded since they were last drained
    /// ([`Resolver::drain_changes`]): as [`apply_change`](Self::apply_change)
    /// on each, all at once. Replays are left out. Returns how many
    /// touchpoints were added.
    ///
    /// Call it after each event or batch, with the change log on
    /// ([`ResolverBuilder::change_log`](crate::ResolverBuilder::change_log),
    /// the default), and before [`Resolver::forget`] (then call
    /// [`refresh`](Self::refresh)). The journeys then equal journeys rebuilt
    /// from scratch with each event under [`Resolver::event_profile`], and
    /// only the journeys the changes touch are recomputed, each once per
    /// call: the touchpoints of a batch, and those the changes move, go in
    /// with one [`extend`](Extend::extend) each. So a profile that absorbs
    /// a thousand others in a batch is rebuilt twice, not a thousand times.
    ///
    /// ```
    /// use idstitch::journey::{Journeys, MetricsConfig};
    /// use idstitch::{Channel, Event, Identifier, ResolverBuilder, SecretKey, Timestamp};
    ///
    /// let day = |d: i64| Timestamp::from_unix_millis(d * 86_400_000);
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).build();
    /// let mut journeys = Journeys::new(MetricsConfig::default());
    ///
    /// // A search on the web and a purchase at the till: two strangers so far.
    /// let search = Event::new("e1").with_ts(day(1)).with_channel(Channel::Web).with_kind("search")
    ///     .with_identifier(Identifier::cookie("ck_1"));
    /// let till = Event::new("e2").with_ts(day(3)).with_channel(Channel::Store).with_kind("purchase")
    ///     .with_identifier(Identifier::loyalty_card("4471 0092 1183"));
    /// for event in [&search, &till] {
    ///     let observed = resolver.observe(event)?;
    ///     journeys.follow(&mut resolver, [(event, &observed)]);
    /// }
    /// assert_eq!((journeys.len(), journeys.metrics().ropo_purchases), (2, 0));
    ///
    /// // A login shows the cookie and the card are one person's: the two
    /// // journeys merge, and the purchase becomes research online, purchase offline.
    /// let login = Event::new("e3").with_ts(day(4)).with_channel(Channel::Web).with_kind("login")
    ///     .with_identifier(Identifier::cookie("ck_1"))
    ///     .with_identifier(Identifier::loyalty_card("4471-0092-1183"));
    /// let observed = resolver.observe(&login)?;
    /// journeys.follow(&mut resolver, [(&login, &observed)]);
    /// assert_eq!(journeys.len(), 1);
    /// assert_eq!(journeys.journey(&observed.profile()).unwrap().len(), 3);
    /// assert_eq!(journeys.metrics().ropo_purchases, 1);
    ///
    /// // A batch: observe_batch gives one result per event.
    /// let batch = [Event::new("e4").with_identifier(Identifier::cookie("ck_1"))];
    /// let outcomes = resolver.observe_batch(&batch);
    /// let observed = batch.iter().zip(&outcomes).filter_map(|(event, outcome)| Some((event, outcome.as_ref().ok()?)));
    /// assert_eq!(journeys.follow(&mut resolver, observed), 1);
    /// # Ok::<(), idstitch::Error>(())
    /// ```
    pub fn follow<'a>(
        &mut self,
        resolver: &mut Resolver,
        observed: impl IntoIterator<Item = (&'a Event, &'a Observation)>,
    ) -> usize {
        // Each touchpoint goes to its event's profile as the event left it,
        // without hashing its id again. Where a later change moved the
        // event, that change names the profile: applied below, it moves the
        // touchpoint to where the event is now. (Applied first, it would
        // find nothing to move.)
        let before = self.touchpoint_count();
        self.extend(
            observed
                .into_iter()
                .filter(|(_, observation)| !observation.is_replay())
                .map(|(event, observation)| (observation.profile(), Touchpoint::from_event(event))),
        );
        let added = self.touchpoint_count() - before;
        let changes = resolver.drain_changes();
        self.reassign(changes.iter().map(changed), |touchpoint| {
            resolver.event_profile(touchpoint.event_id())
        });
        added
    }

    /// Follows one change the resolver recorded: the journey of the profile
    /// it retires (merged away, renamed) or splits is taken apart, and each
    /// of its touchpoints goes to the profile its event is in now
    /// ([`Resolver::event_profile`]); touchpoints of erased events are
    /// dropped. Other journeys are not touched. Returns how many
    /// touchpoints left that journey.
    ///
    /// Changes may be applied late, after the resolver has moved on: every
    /// touchpoint lands where the resolver has its event *now*, and a later
    /// change that moves it again names its profile too. So applying all
    /// drained changes, in any order, gives the same journeys.
    ///
    /// ```
    /// use idstitch::journey::{Journeys, MetricsConfig};
    /// use idstitch::{Change, Event, Identifier, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).build();
    /// let events = [
    ///     Event::new("a").with_identifier(Identifier::cookie("ck_1")),
    ///     Event::new("b").with_identifier(Identifier::cookie("ck_2")),
    /// ];
    /// for event in &events {
    ///     resolver.observe(event)?;
    /// }
    /// let mut journeys = Journeys::from_events(MetricsConfig::default(), &events, |event| {
    ///     resolver.event_profile(event.id())
    /// });
    /// resolver.drain_changes();
    ///
    /// // Event c joins the two; its own touchpoint is left out here.
    /// let both = Event::new("c").with_identifier(Identifier::cookie("ck_1")).with_identifier(Identifier::cookie("ck_2"));
    /// resolver.observe(&both)?;
    /// for change in resolver.drain_changes() {
    ///     assert!(matches!(change, Change::Merged(_)));
    ///     assert_eq!(journeys.apply_change(&change, &resolver), 1);
    /// }
    /// assert_eq!(journeys.len(), 1);
    /// assert_eq!(journeys.journey(&resolver.event_profile("a").unwrap()).unwrap().len(), 2);
    /// # Ok::<(), idstitch::Error>(())
    /// ```
    pub fn apply_change(&mut self, change: &Change, resolver: &Resolver) -> usize {
        self.refresh(changed(change), resolver)
    }

    /// Takes `profile`'s journey apart and puts each touchpoint under the
    /// profile its event is in now, dropping those of erased events. Returns
    /// how many touchpoints left `profile`'s journey.
    ///
    /// [`apply_change`](Self::apply_change) calls it for the profile a
    /// change names. Call it yourself after [`Resolver::forget`] with
    /// [`Forgotten::profile`](crate::Forgotten::profile): events that carried
    /// only the forgotten identifier leave their profile without any change
    /// being recorded when the rest stays together.
    ///
    /// ```
    /// use idstitch::journey::{Journeys, MetricsConfig};
    /// use idstitch::{Event, Identifier, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).build();
    /// let card = Identifier::loyalty_card("4471 0092 1183");
    /// let events = [
    ///     Event::new("a").with_identifier(card.clone()).with_identifier(Identifier::cookie("ck_1")),
    ///     Event::new("b").with_identifier(card.clone()).with_identifier(Identifier::cookie("ck_2")),
    ///     Event::new("c").with_identifier(Identifier::cookie("ck_2")),
    /// ];
    /// let mut journeys = Journeys::new(MetricsConfig::default());
    /// for event in &events {
    ///     let observed = resolver.observe(event)?;
    ///     journeys.follow(&mut resolver, [(event, &observed)]);
    /// }
    ///
    /// // Event c carried only the cookie: it is erased, and the rest stays
    /// // one profile under its id, so no change is recorded.
    /// let forgotten = resolver.forget(&Identifier::cookie("ck_2"))?;
    /// assert_eq!((forgotten.erased_events(), forgotten.split()), (1, None));
    /// assert_eq!(journeys.refresh(forgotten.profile().unwrap(), &resolver), 1);
    /// assert_eq!(journeys.metrics().touchpoints, 2);
    /// # Ok::<(), idstitch::Error>(())
    /// ```
    pub fn refresh(&mut self, profile: ProfileId, resolver: &Resolver) -> usize {
        self.reassign([profile], |touchpoint| {
            resolver.event_profile(touchpoint.event_id())
        })
    }
}

/// The profile a change takes events or its id from. Only that one is
/// named: a merge's survivor keeps its events and its id.
fn changed(change: &Change) -> ProfileId {
    match change {
        Change::Merged(merge) => merge.retired(),
        Change::Renamed(rename) => rename.from(),
        Change::Split(split) => split.from(),
    }
}
