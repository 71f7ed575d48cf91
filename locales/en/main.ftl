# Meridian console, English (source locale). Every other locale has every key here.

nav-skip = Skip to content
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
agents-created = { $email } was added. Their one-time password is { $password } — it will not be shown again.
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
error-payload-too-large = Too large
error-payload-too-large-detail = What you sent is larger than allowed.
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
