# Contacts and organisations in the console.
nav-contacts = Contacts
contacts-title = Contacts
contacts-search = Name or email
contacts-none = No contacts match.
contacts-pages = Contact pages
contact-name = Name
contact-email = Email
contact-organization = Organisation
contact-vip = VIP
contact-vip-label = VIP (routing rules can send their tickets elsewhere)
contact-details = Details
contact-also = Also writes from
contact-notes = Notes
contact-edit = Edit contact
contact-save = Save contact
contact-saved = The contact was saved.
contact-merged = { $count ->
    [one] The contacts were merged; { $count } ticket moved here.
   *[other] The contacts were merged; { $count } tickets moved here.
}
contact-tickets = Tickets and conversations
contact-no-tickets = No tickets yet.
contact-opened = Opened
contact-ticket-pages = Ticket pages
contact-newest = ← Newest
contact-older = Older →
contact-ticket-count = { $count ->
    [one] { $count } ticket
   *[other] { $count } tickets
}
contact-merge-action = Merge with another contact…
contact-merge-title = Merge contacts
contact-merge-help = Find the contact who is the same person as
contact-merge-find = Name or email of the other contact
contact-merge-search = Find
contact-merge-keep = Stays
contact-merge-gone = Is merged into it
contact-merge-effect = { $count ->
    [one] { $count } ticket and the other contact's address move to the contact that stays; mail from that address will reach it. A merge cannot be undone.
   *[other] { $count } tickets and the other contact's address move to the contact that stays; mail from that address will reach it. A merge cannot be undone.
}
contact-merge-confirm = Merge
contact-merge-swap = Keep the other one instead
orgs-title = Organisations
orgs-help = Contacts grouped by the domain of their email. Free-mail domains are not organisations, for example:
orgs-none = No organisations yet.
orgs-domain = Domain
orgs-contacts = Contacts
orgs-open = Open tickets
orgs-pages = Organisation pages
orgs-first = ← First page
orgs-contact-count = { $count ->
    [one] { $count } contact
   *[other] { $count } contacts
}
orgs-open-count = { $count ->
    [one] { $count } open ticket
   *[other] { $count } open tickets
}
orgs-more-contacts = More contacts at this domain
orgs-tickets = Tickets
error-contact-notes = Notes are text of up to 10,000 characters.
error-contact-merged = This contact was merged into another; change that one instead.
error-contact-merge-self = A contact cannot be merged into itself.
error-contact-merge-merged = One of these contacts was already merged into another.
error-contact-merge-unknown = There is no such contact.
