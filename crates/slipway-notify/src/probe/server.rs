//! A desktop notification server (`org.freedesktop.Notifications`) that shows nothing
//! and remembers everything.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use zbus::OwnedVariant;

/// The bus name a desktop notification server owns.
pub const BUS_NAME: &str = "org.freedesktop.Notifications";
/// Where it serves the interface of the same name.
pub const OBJECT_PATH: &str = "/org/freedesktop/Notifications";
/// The name [`NotificationRecorder`] gives in `GetServerInformation`.
pub const SERVER_NAME: &str = "recorder";

/// One notification as the desktop was asked to show it: the arguments of one `Notify`
/// call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The application that sent it.
    pub app_name: String,
    /// The notification it replaces; 0 for a new one.
    pub replaces_id: u32,
    /// Its icon, a name or a path; empty for the sender's own.
    pub app_icon: String,
    /// Its title.
    pub summary: String,
    /// Its text.
    pub body: String,
    /// Action keys and labels, alternating, as the specification lists them.
    pub actions: Vec<String>,
    /// 0 low, 1 normal, 2 critical; absent when the sender gave none.
    pub urgency: Option<u8>,
    /// How long it stays, in milliseconds; -1 for as long as the desktop decides.
    pub expire_timeout: i32,
}

/// A notification server on a session bus, recording every [`Notice`]. It owns
/// [`BUS_NAME`] while it lives, and announces the capabilities `actions` and `body`.
pub struct NotificationRecorder {
    connection: zbus::Connection,
    notices: Arc<Mutex<Vec<Notice>>>,
}

impl NotificationRecorder {
    /// Serves on the session bus this process would use (`DBUS_SESSION_BUS_ADDRESS`).
    ///
    /// # Errors
    /// When the bus cannot be reached, or another server already owns [`BUS_NAME`].
    pub fn on_session_bus() -> zbus::Result<Self> {
        Self::serve(zbus::connection::Builder::session())
    }

    /// Serves on the bus at `address`, a D-Bus address such as `unix:path=/run/bus`.
    ///
    /// # Errors
    /// When the bus cannot be reached, or another server already owns [`BUS_NAME`].
    pub fn at(address: &str) -> zbus::Result<Self> {
        Self::serve(zbus::connection::Builder::address(address))
    }

    fn serve(builder: zbus::connection::Builder<'_>) -> zbus::Result<Self> {
        let notices = Arc::new(Mutex::new(Vec::new()));
        let service = Service {
            notices: Arc::clone(&notices),
            closed: Mutex::default(),
        };
        let connection = zbus::block_on(
            builder
                .name(BUS_NAME)
                .serve_at(OBJECT_PATH, service)
                .build(),
        )?;
        Ok(Self {
            connection,
            notices,
        })
    }

    /// Every notification asked for so far, oldest first. The first has id 1, the next 2,
    /// and so on.
    pub fn notices(&self) -> Vec<Notice> {
        self.notices
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Tells the sender that the user clicked the action `key` of notification `id`
    /// (the `ActionInvoked` signal).
    ///
    /// # Errors
    /// When the signal cannot be sent.
    pub fn invoke_action(&self, id: u32, key: &str) -> zbus::Result<()> {
        zbus::block_on(self.connection.emit_signal(
            None::<&str>,
            OBJECT_PATH,
            BUS_NAME,
            "ActionInvoked",
            &(id, key),
        ))
    }
}

/// The interface itself.
struct Service {
    notices: Arc<Mutex<Vec<Notice>>>,
    closed: Mutex<Vec<u32>>,
}

// The methods and their arguments are the org.freedesktop.Notifications interface's,
// whatever the lints prefer.
#[zbus::interface(name = "org.freedesktop.Notifications")]
#[allow(clippy::unused_self, clippy::needless_pass_by_value)]
impl Service {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedVariant>,
        expire_timeout: i32,
    ) -> u32 {
        let urgency = hints
            .get("urgency")
            .and_then(|value| u8::try_from(value).ok());
        let mut notices = self.notices.lock().unwrap_or_else(PoisonError::into_inner);
        notices.push(Notice {
            app_name,
            replaces_id,
            app_icon,
            summary,
            body,
            actions,
            urgency,
            expire_timeout,
        });
        u32::try_from(notices.len()).unwrap_or(u32::MAX)
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".to_owned(), "body".to_owned()]
    }

    #[zbus(out_args("name", "vendor", "version", "spec_version"))]
    fn get_server_information(&self) -> (String, String, String, String) {
        (
            SERVER_NAME.to_owned(),
            "slipway tests".to_owned(),
            "1.0".to_owned(),
            "1.2".to_owned(),
        )
    }

    fn close_notification(&self, id: u32) {
        self.closed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(id);
    }
}
