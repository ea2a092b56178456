//! The embedding API: one small trait, conveniences in an extension trait,
//! and a thread-safe handle.

use std::sync::{Arc, PoisonError, RwLock};

use crate::error::Error;
use crate::event::Event;
use crate::identifier::Identifier;
use crate::profile::{Profile, ProfileId};
use crate::protect::Forgotten;
use crate::resolver::{Observation, Resolver};

/// What a service needs from an identity resolver. Implemented by
/// [`Resolver`] and by the thread-safe [`SharedResolver`]; implement it to put
/// your own store or a remote resolver behind the same calls.
///
/// Conveniences built on these calls live in [`IdentityResolverExt`],
/// which every implementation gets for free.
///
/// A correct implementation must make [`observe`](Self::observe) idempotent
/// per event id, keep [`canonical`](Self::canonical) answering for every id
/// it ever returned, and never link a [`forget`](Self::forget)-ten identifier
/// again; breaking any of these gives wrong answers, not just slow ones.
pub trait IdentityResolver {
    /// Applies one event; see [`Resolver::observe`].
    ///
    /// # Errors
    /// When the event as a whole is invalid; nothing is applied then.
    fn observe(&mut self, event: &Event) -> Result<Observation, Error>;

    /// The profile an identifier belongs to, if it was seen.
    ///
    /// # Errors
    /// When the identifier cannot be normalized.
    fn lookup(&self, identifier: &Identifier) -> Result<Option<ProfileId>, Error>;

    /// A view of the profile `id` resolves to (following merges).
    fn profile(&self, id: ProfileId) -> Option<Profile>;

    /// The current id of a profile id, following merges.
    fn canonical(&self, id: ProfileId) -> Option<ProfileId>;

    /// Erases an identifier and splits its profile; see [`Resolver::forget`].
    ///
    /// # Errors
    /// When the identifier cannot be normalized, or the resolver cannot
    /// split profiles.
    fn forget(&mut self, identifier: &Identifier) -> Result<Forgotten, Error>;
}

/// Conveniences for every [`IdentityResolver`].
///
/// ```
/// use idstitch::{Event, Identifier, IdentityResolverExt, ResolverBuilder, SecretKey};
///
/// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).build();
/// let events = [
///     Event::new("e1").with_identifier(Identifier::cookie("ck_1")).with_identifier(Identifier::email("a@b.co")),
///     Event::new("e2").with_identifier(Identifier::email("A@B.CO")).with_identifier(Identifier::cookie("ck_2")),
/// ];
/// let outcomes = resolver.observe_all(&events);
/// assert!(outcomes.iter().all(Result::is_ok));
/// assert!(resolver.same_profile(&Identifier::cookie("ck_1"), &Identifier::cookie("ck_2")).unwrap());
/// let profile = resolver.profile_of(&Identifier::cookie("ck_2")).unwrap().unwrap();
/// assert_eq!(profile.event_count(), 2);
/// ```
pub trait IdentityResolverExt: IdentityResolver {
    /// Observes events in order; one result per event, so one bad event never
    /// hides the others.
    fn observe_all<'a, I>(&mut self, events: I) -> Vec<Result<Observation, Error>>
    where
        I: IntoIterator<Item = &'a Event>,
    {
        events
            .into_iter()
            .map(|event| self.observe(event))
            .collect()
    }

    /// The profile an identifier belongs to, as a view.
    ///
    /// # Errors
    /// When the identifier cannot be normalized.
    fn profile_of(&self, identifier: &Identifier) -> Result<Option<Profile>, Error> {
        Ok(self.lookup(identifier)?.and_then(|id| self.profile(id)))
    }

    /// Whether two identifiers are known and in the same profile.
    ///
    /// # Errors
    /// When either identifier cannot be normalized.
    fn same_profile(&self, a: &Identifier, b: &Identifier) -> Result<bool, Error> {
        Ok(match (self.lookup(a)?, self.lookup(b)?) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        })
    }
}

impl<T: IdentityResolver + ?Sized> IdentityResolverExt for T {}

impl IdentityResolver for Resolver {
    fn observe(&mut self, event: &Event) -> Result<Observation, Error> {
        Resolver::observe(self, event)
    }

    fn lookup(&self, identifier: &Identifier) -> Result<Option<ProfileId>, Error> {
        Resolver::lookup(self, identifier)
    }

    fn profile(&self, id: ProfileId) -> Option<Profile> {
        Resolver::profile(self, id)
    }

    fn canonical(&self, id: ProfileId) -> Option<ProfileId> {
        Resolver::canonical(self, id)
    }

    fn forget(&mut self, identifier: &Identifier) -> Result<Forgotten, Error> {
        Resolver::forget(self, identifier)
    }
}

/// A cloneable, thread-safe handle to one [`Resolver`]: writers take turns,
/// readers run side by side.
///
/// No resolver call panics, so a poisoned lock can only come from a panic in
/// the caller's own code while holding [`write`](Self::write); the state is
/// still consistent then and the handle keeps working.
///
/// ```
/// use std::thread;
/// use idstitch::{Event, Identifier, IdentityResolver, ResolverBuilder, SecretKey, SharedResolver};
///
/// let shared = SharedResolver::new(ResolverBuilder::new(SecretKey::derive("s")).build());
/// let writers: Vec<_> = (0..4)
///     .map(|n| {
///         let mut handle = shared.clone();
///         thread::spawn(move || {
///             let event = Event::new(format!("e{n}"))
///                 .with_identifier(Identifier::cookie(format!("ck_{n}")))
///                 .with_identifier(Identifier::email("shared@example.com"));
///             handle.observe(&event).unwrap();
///         })
///     })
///     .collect();
/// writers.into_iter().for_each(|writer| writer.join().unwrap());
/// let profile = shared.lookup(&Identifier::cookie("ck_3")).unwrap();
/// assert_eq!(profile, shared.lookup(&Identifier::cookie("ck_0")).unwrap());
/// assert_eq!(shared.read().profile_count(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct SharedResolver {
    inner: Arc<RwLock<Resolver>>,
}

impl SharedResolver {
    /// Shares `resolver`.
    pub fn new(resolver: Resolver) -> Self {
        SharedResolver {
            inner: Arc::new(RwLock::new(resolver)),
        }
    }

    /// Shared read access, for several calls under one consistent view.
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Resolver> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Exclusive access.
    pub fn write(&self) -> std::sync::RwLockWriteGuard<'_, Resolver> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl IdentityResolver for SharedResolver {
    fn observe(&mut self, event: &Event) -> Result<Observation, Error> {
        self.write().observe(event)
    }

    fn lookup(&self, identifier: &Identifier) -> Result<Option<ProfileId>, Error> {
        self.read().lookup(identifier)
    }

    fn profile(&self, id: ProfileId) -> Option<Profile> {
        self.read().profile(id)
    }

    fn canonical(&self, id: ProfileId) -> Option<ProfileId> {
        self.read().canonical(id)
    }

    fn forget(&mut self, identifier: &Identifier) -> Result<Forgotten, Error> {
        self.write().forget(identifier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolvers_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Resolver>();
        assert_send_sync::<SharedResolver>();
        assert_send_sync::<Observation>();
        assert_send_sync::<Error>();
    }

    #[test]
    fn the_trait_is_object_safe() {
        let resolver = crate::ResolverBuilder::new(crate::SecretKey::derive("s")).build();
        let boxed: Box<dyn IdentityResolver> = Box::new(SharedResolver::new(resolver));
        assert_eq!(boxed.lookup(&Identifier::cookie("ck")).unwrap(), None);
    }
}
