# Meridian console, English (source locale). Every other locale has every key here.

nav-skip = Skip to content
nav-settings = Settings
nav-label = Main
nav-inbox = Inbox
nav-agents = Agents
nav-tokens = API tokens
nav-jobs = Failed jobs
nav-sign-out = Sign out

action-save = Save

signin-title = Sign in
signin-workspace = Workspace
signin-email = Email
signin-password = Password
signin-submit = Sign in
signin-failed = The workspace, email or password is not right.

inbox-title = Inbox
inbox-empty-title = No tickets yet
inbox-empty-body = New conversations from email, chat and the API will appear here.
inbox-empty-mine-title = Nothing is assigned to you
inbox-empty-mine-body = Open tickets assigned to you show here.
inbox-empty-view-title = No tickets in this view
inbox-empty-view-body = Tickets show here when they match this view.
inbox-empty-filter-title = No tickets match
inbox-empty-filter-body = Try fewer filters, or another view.
inbox-empty-go-unassigned = { $count } unassigned tickets are waiting
inbox-empty-go-all-open = See all { $count } open tickets

profile-title = Your profile
profile-saved = Profile saved.
profile-languages-saved = Languages saved.
profile-password-saved = Password changed. Your other sessions were signed out.
profile-details = Details
profile-name = Name
profile-email = Email: { $email }
profile-locale = Console language
profile-locale-auto = Automatic (from your browser)
profile-time-zone = Time zone
profile-time-zone-auto = The workspace's time zone
profile-languages = Languages you support customers in
profile-languages-help = Tickets are routed to agents who speak the customer's language. Clear a language to remove it.
profile-language = Language
profile-language-add = Add a language
profile-proficiency = Proficiency
profile-password = Password
profile-password-current = Current password
profile-password-new = New password (at least 12 characters)
profile-password-confirm = New password again
profile-password-change = Change password

locale-name-en = English
locale-name-zh-CN = 简体中文 (Simplified Chinese)

proficiency-native = Native
proficiency-fluent = Fluent
proficiency-working = Working
proficiency-basic = Basic

role-owner = Owner
role-admin = Admin
role-agent = Agent

agents-title = Agents
agents-invited = { $email } was invited. The invitation link was emailed to them.
agents-invite-resent = A new invitation was emailed to { $email }; the earlier link no longer works.
agents-reset-sent = A password reset link was emailed to { $email }. Their current password works until they use it.
agents-link-once = You can also pass the link on yourself. It is shown only now and works once:
agents-account = Account
agents-invited-pending = Invited, not accepted yet
agents-resend-invite = Resend invitation
agents-resend-invite-label = Resend the invitation to { $name }
agents-reset = Reset password
agents-reset-label = Send { $name } a password reset link
agents-name = Name
agents-email = Email
agents-role = Role
agents-active = Active
agents-add = Add agent

tokens-title = API tokens
tokens-created = Copy this token now. It will not be shown again.
tokens-name = Name
tokens-prefix = Token
tokens-created-at = Created
tokens-last-used = Last used
tokens-never = Never
tokens-revoked = Revoked
tokens-revoke = Revoke
tokens-add = Create token

jobs-title = Failed jobs
jobs-help = Background jobs that failed every attempt are kept here. Retry one once the cause is fixed.
jobs-none = No failed jobs.
jobs-kind = Kind
jobs-attempts = Attempts
jobs-error = Last error
jobs-when = When
jobs-retry = Retry

help-title = { $name } help center
help-intro = Find answers, or contact the support team.

error-status-code = Error { $code }
error-back = Back to the inbox
error-not-found = Not found
error-not-found-detail = This page does not exist, or you do not have access to it.
error-unauthenticated = Please sign in
error-unauthenticated-detail = Your session has ended. Sign in again to continue.
error-forbidden = Not allowed
error-forbidden-detail = Your role does not allow this. Ask an admin of your workspace.
error-csrf = Form expired
error-csrf-detail = This form has expired or did not come from this site. Go back, reload the page and try again.
error-validation = Please check your input
error-validation-detail = Some of what you entered is not valid.
error-bad-request = Could not read the request
error-bad-request-detail = The request was malformed.
error-conflict = Already exists
error-conflict-detail = Something with the same name already exists.
error-precondition-failed = Changed meanwhile
error-precondition-failed-detail = Someone else changed this in the meantime. Reload and try again.
error-rate-limited = Too many attempts
error-rate-limited-detail = { $minutes ->
    [one] Too many attempts. Try again in a minute.
   *[other] Too many attempts. Try again in { $minutes } minutes.
}
error-method-not-allowed = Method not allowed
error-method-not-allowed-detail = This address does not accept that kind of request.
error-payload-too-large = Too large
error-payload-too-large-detail = What you sent is larger than allowed.
error-unsupported-media-type = Unsupported file type
error-unsupported-media-type-detail = Files of this kind cannot be sent: programs and scripts are refused. Send an image, a PDF or a document.
error-request-timeout = Took too long
error-request-timeout-detail = What you sent did not arrive in time. Check your connection and try again.
error-unavailable = Temporarily unavailable
error-unavailable-detail = The service is temporarily unavailable. Try again shortly.
error-internal = Something went wrong
error-internal-detail = An unexpected error occurred. It has been logged.

error-slug-invalid = Use 2–40 characters: lowercase letters, digits and inner hyphens.
error-slug-reserved = That name is reserved.
error-time-zone-invalid = Choose a time zone from the list (for example Europe/Lisbon).
error-locale-unsupported = That language is not available.
error-name-invalid = Enter a name of up to 120 characters.
error-email-invalid = Enter a valid email address.
error-email-taken = Someone in this workspace already uses that email address.
error-role-invalid = Choose owner, admin or agent.
error-proficiency-invalid = Choose a proficiency from the list.
error-last-owner = A workspace must keep at least one active owner.
error-language-invalid = Enter a language code such as pt, pt-BR or zh-Hans.
error-language-duplicate = A language is listed twice.
error-too-many-languages = List at most 50 languages.
error-password-short = Passwords need at least 12 characters.
error-password-long = Passwords can have at most 1024 characters.
error-password-mismatch = The two new passwords are different.
error-password-current = The current password is not right.

action-apply = Apply

view-my_open = My open tickets
view-unassigned = Unassigned
view-all_open = All open
view-pending = Pending
view-solved = Solved

status-new = New
status-open = Open
status-pending = Pending
status-on_hold = On hold
status-solved = Solved
status-closed = Closed

priority-low = Low
priority-normal = Normal
priority-high = High
priority-urgent = Urgent

channel-email = Email
channel-chat = Chat
channel-web = Web
channel-api = API

sort-updated = Last update
sort-age = Oldest first
sort-priority = Priority

field-subject = Subject
field-requester = Requester
field-status = Status
field-priority = Priority
field-assignee = Assignee
field-team = Team
field-channel = Channel
field-language = Language
field-tag = Tag
field-tags = Tags
field-text = Text
field-updated = Updated
field-waiting-since = Waiting since
field-kind = Kind
field-other = Other field
value-none = none
value-unknown-agent = a former agent
value-unknown-team = a deleted team
kind-reply = public reply
kind-note = internal note
kind-system = system message
history-change = changed { $field }: { $change }
history-from-to = { $before } → { $after }
api-in-query = query string
api-in-path = path
api-in-header = header
api-in-cookie = cookie
time-just-now = just now
time-minutes-ago = { $n } min ago
time-hours-ago = { $n } h ago
time-days-ago = { $n ->
    [one] 1 day ago
   *[other] { $n } days ago
}
inbox-pages = Pages
inbox-previous-page = ← Previous page
inbox-menu = Menu
conflict-title = Someone else saved this ticket first.
conflict-body = Their changes are saved; yours are still in the form below.
conflict-field = Field
conflict-theirs = Saved by them
conflict-yours = Yours
conflict-keep-theirs = Keep theirs
conflict-save-mine = Save mine over theirs
conflict-save-mine-hint = or save your values again on top of theirs.

assignee-me = Me
assignee-none = Nobody
team-none = No team

inbox-views = Views
inbox-filter = Filter
inbox-sort = Sort
inbox-view-name = Name for this view
inbox-save-view = Save as view
inbox-manage-view = Rename or delete this view
inbox-rename-view = Rename
inbox-delete-view = Delete this view
inbox-add-tag = Add tag
inbox-apply-selected = Apply to selected
inbox-select = Select
inbox-select-ticket = Select ticket { $number }
inbox-select-all = Select all tickets on this page
inbox-selected = { $count } selected
search-agents = Search agents
search-teams = Search teams
bulk-applied = { $count ->
    [one] Changed { $count } ticket.
   *[other] Changed { $count } tickets.
}
bulk-undone = { $count ->
    [one] Undone: { $count } ticket is back as it was.
   *[other] Undone: { $count } tickets are back as they were.
}
bulk-undo-skipped = { $count ->
    [one] { $count } ticket changed since and was left as it is.
   *[other] { $count } tickets changed since and were left as they are.
}
inbox-next-page = Next page →
inbox-count-unavailable = ?
shortcuts-inbox = Shortcuts: j / k next and previous, o open, x select, ? help.
shortcuts-ticket = Shortcuts: r reply, n note, m macros, a assign to me, s solve, j / k next and previous ticket, u back to the inbox, ? help.

ticket-new = New ticket
ticket-create = Create ticket
ticket-requester-email = Requester's email
ticket-requester-name = Requester's name
ticket-closed = This ticket is closed. A new message from the requester opens a follow-up ticket.
ticket-follow-up-of = Follow-up of
ticket-merged-into = Merged into
system-merged = #{ $source } was merged into #{ $target }
ticket-history = History
ticket-other-tickets = Their other tickets
ticket-properties = Properties
ticket-merge = Merge
ticket-merge-target = Number of the ticket to merge into
ticket-merge-action = Merge into

merge-title = Merge tickets
merge-source = This ticket is closed
merge-target = Its messages move into
merge-messages = { $count ->
    [one] { $count } message
   *[other] { $count } messages
}
merge-requesters-differ = These tickets come from different requesters. After the merge, replies go only to the requester of the ticket that stays open.
merge-effect = Ticket #{ $number } will be closed and point to the other ticket. A merge cannot be undone.
merge-confirm = Merge
action-cancel = Cancel
action-close = Close
action-undo = Undo
sent-reply = Your reply was sent.
sent-note = Your internal note was added.
solve-pending = Solving this ticket in a few seconds…
solve-now = Solve now
shortcuts-title = Keyboard shortcuts
shortcut-reply = Write a public reply
shortcut-note = Write an internal note
shortcut-assign-me = Assign the ticket to me
shortcut-solve = Solve (with a few seconds to undo)
shortcut-next-previous = Next and previous ticket of the queue
shortcut-inbox = Back to the inbox
shortcut-help = Show this help
shortcut-close = Close this help, or undo a pending solve

composer-kind = Message type
composer-reply = Public reply
composer-note = Internal note
composer-body = Message
composer-send = Send
composer-and-set = And set the status to
composer-keep-status = Keep the status
composer-set-open = …and set Open
composer-set-pending = …and set Pending
composer-set-on_hold = …and set On hold
composer-set-solved = …and set Solved

message-internal-note = Internal note
message-show-full = Show full message

event-created = created the ticket
event-changed = changed
event-message_added = added a message:
event-merged = merged
event-follow_up = opened a follow-up

viewers-also = Also viewing: { $names }

error-status-invalid = Choose a status from the list.
error-priority-invalid = Choose a priority from the list.
error-channel-invalid = Choose a channel from the list.
error-kind-invalid = Choose a public reply or an internal note.
error-tag-invalid = Tags use letters, digits, _ - and : (up to 40 characters, 20 tags).
error-subject-invalid = Enter a subject of up to 250 characters.
error-body-empty = Write a message first.
error-body-too-long = The message is too long.
error-assignee-invalid = Choose an active agent of this workspace.
error-team-invalid = Choose a team of this workspace.
error-team-taken = A team with this name exists.
error-requester-invalid = Choose a contact of this workspace.
error-close-unsolved = Only solved tickets can be closed.
error-bulk-size = Select between 1 and 500 tickets.
error-bulk-nothing = Choose a change to apply to the selected tickets.
error-merge-self = A ticket cannot be merged into itself.
error-merge-target = There is no open ticket with that number.
error-merge-closed = Closed or merged tickets cannot be merged.
error-sort-invalid = Sort by last update, age or priority.
error-cursor-invalid = That page link has expired. Start from the first page.
error-view-invalid = That view does not exist.
error-saved-view-corrupt = This saved view can no longer be read. Save the view again from the filter.
error-limit-invalid = Ask for 1 to 200 rows.
error-idempotency-mismatch = This Idempotency-Key was already used with a different request.
composer-files = Attach files
error-attachment-empty = The file is empty.
error-attachment-count = Attach at most 10 files to one message.
error-attachment-encoding = The file's content is not valid base64.
error-text-nul = Remove the invisible NUL characters (U+0000) from what you entered.
nav-api = API
api-title = API reference
api-intro = Every endpoint of the REST API, generated from the same OpenAPI 3.1 document integrations can download:
api-contents = Endpoints
api-parameter = Parameter
api-in = In
api-required = Required
api-body = Request body
api-schemas = Schemas
api-description = Description
api-field = Field
api-type = Type
api-responses = Responses
api-example = Example
api-auth-title = Authentication
api-auth-tokens = Every request carries an API token of one workspace. Admins create tokens on the API tokens page of the console (the token is shown once; revoke it there when it leaks) or on the server with:
api-auth-header = Send it in the Authorization header of every request:
api-auth-scopes = Tokens have no scopes: a token can do everything the API offers in its workspace and nothing in any other, so give each integration its own token and keep it secret.
api-auth-rate = { $count ->
    [one] Each token may make 1 request per minute on each server process; beyond that the answer is 429, with a header saying how many seconds to wait:
   *[other] Each token may make { $count } requests per minute on each server process; beyond that the answer is 429, with a header saying how many seconds to wait:
}
api-auth-errors = Errors come as RFC 9457 problem documents: a type naming the error, the HTTP status, a detail for people and, for an invalid field, the field's path. A missing or revoked token is 401; an id of another workspace is 404, never 403. Their media type:
api-auth-examples = The examples below read the token from an environment variable:
nav-teams = Teams
teams-title = Teams
teams-help = Teams group agents; tickets can be assigned to a team and filtered by it.
teams-no-members = No members yet.
teams-remove = Remove
teams-add-member = Add member
teams-add = Create team
teams-name = Team name
teams-rename = Rename
teams-rename-label = New name for { $team }
teams-delete = Delete
teams-delete-label = Delete team { $team }
teams-delete-refused = { $team } was not deleted, because it is still in use:
teams-used-by-tickets = { $count ->
    [one] 1 ticket (open or solved) is in this team
   *[other] { $count } tickets (open or solved) are in this team
}
teams-used-by-rules = { $count ->
    [one] routing rule { $rules } sends tickets to it
   *[other] routing rules { $rules } send tickets to it
}
teams-delete-how = Move its tickets to another team (bulk actions in the inbox) and change those rules on the Routing page, then delete it. Its members simply leave the team.
teams-holidays = Holidays
teams-holidays-none = No holidays yet.
teams-holidays-date = Date
teams-holidays-name = Name (optional)
teams-holidays-add = Add holiday
teams-holidays-remove-label = Remove the holiday on { $date }
teams-holidays-ics = iCalendar file (.ics)
teams-holidays-import = Import holidays
teams-holidays-ics-line = This iCalendar file cannot be read at line { $line }:

# Inbound email: what a ticket shows when the mail lacks something.
email-no-subject = (no subject)
email-empty-body = (This email had no text.)
email-attachment-skipped = The attachment “{ $name }” was not kept: it is empty or larger than the attachment limit. The original email is stored whole.
error-recipient-invalid = This is not an inbound address of this workspace.

# Outbound email: what customers receive.
email-subject-ack = [#{ $number }] { $subject }
email-subject-reply = Re: [#{ $number }] { $subject }
email-subject-solved = [#{ $number }] Solved: { $subject }
email-subject-test = Test message from { $workspace }
email-greeting = Hello { $name },
email-ack-received = We received your request. Its number is #{ $number }.
email-ack-reply-hint = To add anything, just reply to this email.
email-reply-footer = Reply to this email to answer (request #{ $number }).
email-inline-image = [image: { $name }]
email-inline-image-unnamed = [image]
email-solved-body = Your request #{ $number } has been marked solved.
email-solved-reopen = If it is not, reply to this email and it opens again.
email-test-body = This is a test message from { $workspace }'s support desk, sent to its forwarding address through the configured outgoing mail.

# Outbound email: the console.
email-outbox-banner = Mail is not being delivered: no outgoing mail server is configured (MERIDIAN_SMTP_URL), so outgoing mail is only written to the outbox folder on the server.
mail-to = Email to { $to }
mail-kind-ack = Acknowledgement
mail-kind-reply = Reply
mail-kind-solved = Solved notice
mail-kind-test = Test message
mail-state-queued = queued
mail-state-sent = sent
mail-state-retrying = not delivered yet, retrying
mail-state-dead = not delivered
mail-retry = Send again
mail-notices = Email notices
nav-email = Email
email-setup-title = Email setup
email-setup-forwarding = Forwarding address
email-setup-forwarding-help = Forward your support mailbox to this address; every message becomes a ticket.
email-setup-http-door = HTTP door for mail servers
email-setup-secret = Inbound secret (Authorization: Bearer)
email-setup-outgoing = Outgoing mail
email-setup-support-address = Support address (From)
email-setup-support-address-help = Empty: { $default }
email-setup-display-name = Display name
email-setup-signature = Signature
email-setup-dkim-selector = DKIM selector
email-setup-dkim-key = DKIM private key (RSA, PEM)
email-setup-dkim-key-set = A key is stored. Paste a new one to replace it.
email-setup-dkim-remove = Remove the DKIM key
email-setup-dkim-record = Publish this DNS TXT record:
email-setup-save = Save
email-setup-saved = Saved.
email-setup-test = Send a test
email-setup-test-help = Sends a message to the forwarding address through the outgoing mail path.
email-setup-test-none = No test sent yet.
email-setup-test-status = Last test ({ $when }): { $state }.
email-setup-test-arrived = It arrived { $when }.
email-setup-test-waiting = It has not arrived yet.
error-dkim-key-invalid = The DKIM key must be an RSA private key in PEM format.
error-dkim-selector-invalid = The DKIM selector must be letters, digits, hyphens and dots (and is needed with a key).
error-signature-too-long = The signature can be at most 2000 characters.

## Webhooks
error-webhook-url = The webhook URL must be an absolute https URL without credentials.
error-webhook-events = Choose at least one known event type.
error-webhook-description = The description is at most 500 characters, without control characters.
error-webhook-grace = The grace period is 0 to 604800 seconds.
nav-webhooks = Webhooks
webhooks-title = Webhooks
webhooks-secret-once = Copy this signing secret now. It will not be shown again. Webhook:
webhooks-url = URL
webhooks-description = Description
webhooks-events = Event types
webhooks-state = State
webhooks-created-at = Created
webhooks-enabled = Enabled
webhooks-disabled = Disabled
webhooks-enable = Enable
webhooks-disable = Disable
webhooks-rotate = Rotate secret
webhooks-delete = Delete
webhooks-add = Add webhook
webhooks-log-title = Webhook delivery log
webhooks-log-empty = Nothing has been sent yet.
webhooks-test = Send a test ping
webhooks-back = All webhooks
webhooks-attempt = Attempt
webhooks-sent-at = Sent
webhooks-status = Answer status
webhooks-duration = Time
webhooks-answer = Answer body

## Routing
event-routed = routed the ticket:
system-routing-assigned = routed to { $agent } — { $language } ({ $level }), { $team } shift { $window } { $zone }, load { $load }/{ $max }
system-routing-assigned-basic = routed to { $agent } — { $language } ({ $level }; nobody more fluent on shift), { $team } shift { $window } { $zone }, load { $load }/{ $max }
system-routing-assigned-any = routed to { $agent } — { $team } shift { $window } { $zone }, load { $load }/{ $max }
system-routing-needs-translation = routed to { $agent }, needs translation — nobody on shift speaks { $language }; { $team } shift { $window } { $zone }, load { $load }/{ $max }
system-routing-queued = queued for { $team } — the next { $language } speaker's shift starts { $at }
system-routing-nobody = not routed — nobody on shift can take it (language: { $language })
system-routing-handoff = handed off from { $from } at the end of their shift to { $agent } — { $team } shift { $window } { $zone }, load { $load }/{ $max }
system-routing-handoff-queued = handed back from { $from } at the end of their shift — queued for { $team }, the next { $language } speaker's shift starts { $at }
system-routing-handoff-nobody = handed back from { $from } at the end of their shift — nobody on shift can take it (language: { $language })
error-domain-invalid = Enter a domain name such as example.com.
nav-routing = Routing
routing-title = Routing
routing-help = Who is on shift when, the hours nobody speaks a language, and where a ticket would go. Edit shifts with PUT /api/v1/teams/{"{"}id{"}"}/schedule.
routing-sim-title = Simulator
routing-sim-language = Language
routing-sim-at = Date and time
routing-sim-priority = Priority
routing-sim-run = Simulate
routing-sim-assigned = Would be assigned
routing-sim-queued = Would wait in the queue
routing-sim-needs-translation = Would be assigned, needing translation
routing-sim-bad-language = Enter a language tag such as pt or pt-BR.
routing-sim-bad-at = Enter a date and time such as 2026-12-01T09:30.
routing-sim-bad-priority = Choose low, normal, high or urgent.
routing-coverage-title = Coverage this week
routing-coverage-help = Hours of the next seven days when nobody on shift speaks the language
routing-coverage-full = covered every hour
routing-coverage-no-languages = No agent lists a language yet.
routing-grid-caption = Hours on shift, in the team's time zone
routing-grid-none = No team has a schedule yet.
day-mon = Mon
day-tue = Tue
day-wed = Wed
day-thu = Thu
day-fri = Fri
day-sat = Sat
day-sun = Sun
error-time-invalid = Enter a time as HH:MM (00:00 to 23:59).
error-timezone-invalid = Choose an IANA time zone such as Europe/Lisbon.
error-shift-invalid = Check the shift: days mon to sun, and an end other than its start.
error-holiday-invalid = Enter dates as YYYY-MM-DD.
error-ics-invalid = This iCalendar file cannot be read; the message names the line to fix.
error-ics-missing = Choose an .ics file to import.
error-language-unknown = Enter a known language code such as pt, pt-BR or zh-Hans.
error-skill-invalid = Skills are letters, digits, _ - : (up to 40 characters, at most 20).
error-max-load-invalid = The maximum load is a number from 0 to 1000.
error-presence-invalid = Presence is online, away or offline.
presence-label = Presence
presence-online = Online
presence-away = Away
presence-offline = Offline
presence-set = Set presence
presence-saved = Presence saved.

nav-failed-mail = Failed mail
email-setup-failed-link = Failed mail: messages that could not be filed
failed-mail-title = Failed mail
failed-mail-help = Inbound messages that could not be filed are kept here with the reason, never deleted. Download the original, fix the cause, then retry.
failed-mail-none = No failed mail.
failed-mail-received = Received
failed-mail-sender = Sender
failed-mail-subject = Subject
failed-mail-error = Error
failed-mail-unknown = unknown
failed-mail-download = Download original
failed-mail-retry = Retry
failed-mail-retried = Queued for filing again.
channel-alert = Alert
alert-firing-again = The alert is firing again.
alert-resolved = The alert was resolved.
alert-fingerprint = Fingerprint: { $fingerprint }
alert-labels = Labels:
alert-source = Source: { $url }
webhooks-auto-disabled-banner = Meridian turned off a webhook because its deliveries kept failing.
webhooks-auto-disabled-link = Review webhooks
email-subject-webhook-disabled = { $workspace }: a webhook was turned off
email-webhook-disabled-body = Meridian turned off the webhook { $url }. Reason: { $reason }
email-webhook-disabled-next = Fix the endpoint, then enable the webhook again on the Webhooks page of the console (/admin/webhooks).
alert-told = Told { $count } open customer tickets tagged { $tag } about this alert.
error-alert-rule = Check the alert rule: labels to match, a valid tag and a message.

error-agent-inactive = This agent is deactivated. Activate them first.
error-invite-accepted = This agent already accepted the invitation. Send a password reset instead.
error-reset-self = Change your own password on your profile page.
password-link-title = Choose a new password
password-link-invite-title = Welcome: choose your password
password-link-for = For { $email } in { $workspace }.
password-link-submit = Save password and sign in
password-link-invalid-title = This link does not work
password-link-invalid = The link is wrong, was already used, was replaced by a newer one, or has expired. Ask an admin of your workspace to send a new one.
email-subject-agent-invite = You are invited to { $workspace } on Meridian
email-agent-invite-body = You have been invited to work on the support desk of { $workspace }. Open this link to choose your password and sign in:
email-agent-invite-expiry = The link works once and expires in 7 days. If it has expired, ask an admin to resend the invitation.
email-subject-password-reset = { $workspace }: reset your password
email-password-reset-body = An admin of { $workspace } sent you a link to choose a new password:
email-password-reset-expiry = The link works once and expires in 24 hours. Your current password keeps working until you use it. If you did not expect this mail, tell your admin.

## Macros (canned replies)
nav-macros = Macros
macros-title = Macros
macros-help = Canned replies with placeholders, one text per language, and changes applied with the reply. On a ticket, press m to pick one: the text in the ticket's language fills the composer, and sending it applies the macro's changes.
macros-none = No macros yet. Create the first one below.
macros-name = Name
macros-locales = Languages
macros-actions = Changes
macros-manage = Manage
macros-delete = Delete
macros-delete-label = Delete the macro { $name }
macros-edit = Edit { $name }
macros-new = New macro
macros-bodies = Texts by language
macros-placeholders = Placeholders:
macros-locale = Language
macros-body = Text
macros-no-change = No change
macros-add-tags = Add tags
macros-save = Save macro
macros-cancel = Cancel
macros-sets-status = status → { $status }
macros-sets-priority = priority → { $priority }
macros-adds-tags = adds tags { $tags }
macros-assigns = assigns the ticket
macros-assigns-to = assigns to { $agent }
macros-pick = Macros
macros-pick-title = Insert a macro
macros-search = Search macros
macros-no-match = No macro matches.
macros-key-choose = choose
macros-key-insert = insert
macros-key-close = close
macros-will = Sending also applies:
macros-skip-actions = Send without these changes
shortcut-macro = Insert a macro
error-macro-name = Enter a name of 1 to 120 characters on one line.
error-macro-bodies = A macro holds at most 50 languages.
error-macro-body = A text holds at most 20,000 characters.
error-macro-placeholder = This text uses an unknown placeholder.
error-macro-placeholder-named = Unknown placeholder { $placeholder }. Use {"{{"}requester.name{"}}"}, {"{{"}requester.email{"}}"}, {"{{"}ticket.number{"}}"}, {"{{"}ticket.subject{"}}"} or {"{{"}agent.name{"}}"}.
error-macro-locale-twice = This language is given twice.
error-macro-status = Choose open, pending, on hold or solved.

## Search over everything (header box, /search, /kb/{id})
search-title = Search
search-title-for = Search: { $q }
search-label = Search tickets and articles
search-placeholder = Search tickets, messages, articles…
search-suggestions = Suggestions
search-no-suggestions = No suggestions
search-some-suggestions = Suggestions:
search-submit = Search
search-see-all = All results for “{ $q }”
search-tickets = Tickets
search-articles = Knowledge base
search-tickets-pages = More tickets
search-articles-pages = More articles
search-no-tickets = No ticket matches.
search-no-articles = No article matches.
search-in-reply = found in a message
search-in-note = found in an internal note
search-in-ticket = subject or requester
search-article-badge = Article
search-short-note = Messages are searched from three characters on; shorter text matches subjects and requesters only.
search-fallback = The search index is not answering; these articles come from a plain text match.
error-search-q-empty = Type something to search for.
error-search-q-long = A search is at most 200 characters.
kb-internal-badge = Internal
kb-draft-badge = Draft
kb-on-help-center = Open on the help center
