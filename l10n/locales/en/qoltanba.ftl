# qoltanba's words in English. docs/localization.md says how ids are named
# and how to add a message; every id here is in the kk and ru catalogs too,
# with the same variables.

-eds = EDS
-nca = NCA RK

## Errors: key files (qoltanba-pki)

error-key-file-not-pkcs12 = not a PKCS#12 key file (empty, truncated or another format); choose the .p12 file { -nca } issued
error-key-file-wrong-password = wrong password for the key file, or the file was altered; check the password (capital letters and keyboard layout matter) and try again
error-key-file-no-mac = the key file has no integrity check (MAC), so it cannot be trusted; export it again with a MAC
error-key-file-malformed = the key file is damaged; use a backup copy or revoke the key and re-issue it
error-key-file-no-private-key = the key file holds no private key; choose the file with your key, not a certificate
error-key-file-no-certificate = the key file holds no certificate yet (a new key waiting for its certificate); install the issued certificate first
error-key-file-unsupported-algorithm = the key file uses an unsupported algorithm ({ $algorithm }); export it again with { -nca }'s algorithms or OpenSSL's default (AES-256)
error-key-file-already-exists = { $path } already exists; a key file is never overwritten, choose another folder
error-key-file-io = cannot access { $path } ({ $reason }); check the path and the folder's permissions
error-output-closed = the output was closed before everything was written
error-output-disk-full = cannot write the output: the disk is full; free some space or write elsewhere
error-output-failed = cannot write the output ({ $reason })
error-disk-full = cannot write { $path }: the disk is full; free some space or choose another folder
error-random-failed = the system random number generator failed; try again

## Errors: the password rule for new key files

error-password-too-short = the new password is shorter than { $min } characters; choose a longer one
error-password-too-long = the new password is longer than { $max } characters; choose a shorter one
error-password-no-uppercase = the new password has no Latin capital letter (A-Z); add one
error-password-no-lowercase = the new password has no Latin small letter (a-z); add one
error-password-no-digit = the new password has no digit (0-9); add one
error-password-cyrillic = the new password has Cyrillic letters; switch the keyboard to the English (Latin) layout and type it again
error-password-non-ascii = the new password has a character other than Latin letters, digits and ASCII symbols; use only those
error-password-whitespace = the new password has a space or control character; use letters, digits and symbols only

## Errors: serial numbers

error-serial-empty = it is empty
error-serial-too-long = it is longer than { $max } hex digits
error-serial-not-hex = it holds a character other than 0-9 and A-F

## Errors: the ID card (qoltanba-card)

error-card-lost = the card was lost (it left the phone's field or the reader); hold it still and try again
error-card-timeout = the card did not answer in time; hold it still and try again
error-card-reader = the card reader failed: { $reason }
error-card-wrong-can = wrong CAN; check the 6 digits printed on the front of the card
error-card-wrong-pin = { $tries ->
    [one] wrong PIN; 1 try left (the next wrong PIN blocks the card)
   *[other] wrong PIN; { $tries } tries left
}
error-card-pin-blocked = the PIN is blocked; unblock it with the PUK
error-card-pin-blocked-no-puk = the PIN is blocked and this card has no known PUK; visit a public service centre
error-card-wrong-puk = { $tries ->
    [one] wrong PUK; 1 try left (the next wrong PUK blocks it for good)
   *[other] wrong PUK; { $tries } tries left
}
error-card-puk-blocked = the PUK is blocked; the card's keys can no longer be used; visit a public service centre
error-card-pin-needed = the card wants the PIN first; enter the PIN
error-card-can-needed = the card needs its CAN (the 6 digits printed on the card) to connect
error-card-unknown = the card is not one qoltanba knows (no known profile answered); use a Kazakh ID card
error-card-secret-not-digits = the { $kind } must be digits only
# $kind: CAN, PIN or PUK. $min is 0 when exactly $max digits are asked for.
error-card-secret-length = { $min ->
    [0] the { $kind } must have { $max } digits; check it and enter it again
   *[other] the { $kind } must have { $min } to { $max } digits; check it and enter it again
}
error-card-new-pin-length = { $min ->
    [0] the new PIN must have { $max } digits
   *[other] the new PIN must have { $min } to { $max } digits
}
error-card-no-pace = the card does not offer PACE (no PACEInfo in EF.CardAccess)
error-card-pace-unsupported = the card offers no PACE variant qoltanba supports
error-card-chip-authentication = the card could not prove it knows the CAN: it is not the card the CAN belongs to, or someone interfered; the session has ended, try again
error-card-invalid-point = the card sent an invalid public key; the session has ended, try again
error-card-pace-malformed = the card's PACE answer is malformed ({ $detail }); try again, and report it if it repeats
error-card-pace-refused = the card refused PACE with status word { $sw }
error-card-malformed-answer = the card's answer is malformed: { $detail }
error-card-secure-messaging = secure messaging with the card failed ({ $detail }); the session has ended, tap the card again
error-card-unprotected = the card answered a secure session in the clear; the session has ended, tap the card again
error-card-session-ended = the secure session with the card has ended; tap the card again
error-card-endless-response = the card kept asking for GET RESPONSE; it is not working properly
error-card-overlong-response = the card's answer is longer than the { $limit } bytes asked for
error-card-key-malformed-public = the card's public key is malformed: { $detail }
error-card-key-malformed-signature = the card's signature is malformed: { $detail }
error-card-slot-empty = key slot { $slot } is empty
error-card-no-such-slot = key slot { $slot } does not exist on this card
error-card-slot-in-use = key slot { $slot } holds a current key and cannot be overwritten
error-card-unsupported = the card does not support { $what }
error-card-not-confirmed = generating a key in slot { $slot } was not confirmed; nothing was changed
error-card-certificate-refused = the card refused the certificate for slot { $slot }: it is missing, incomplete or not for that slot's key; write it again
error-card-certificate-too-large = the certificate is { $size } bytes; the card's file holds at most { $limit }
error-card-certificate-file = the certificate file of key slot { $slot } is damaged ({ $detail }); take the card to a public service centre
error-card-unexpected = the card answered { $operation } with status word { $sw }, which qoltanba does not expect; try again, and report it if it repeats
error-card-malformed = the card's answer to { $operation } is malformed: { $detail }

## Errors: the registration authority (qoltanba-core's RA client)

error-ra-unreachable = the registration authority cannot be reached ({ $reason }); check the connection and try again
error-ra-timeout = the registration authority did not answer in time; try again
error-ra-dropped = the connection to the registration authority dropped; try again
# $problem is the RA's stable problem code (docs/protocol.md), $detail its own
# one-line explanation (English), shown where no translation says more.
error-ra-refused = { $problem ->
    [wrong-code] the one-time code is wrong; check the code in the SMS and enter it again
    [code-expired] the one-time code has expired; submit the application again for a new code
    [application-locked] too many wrong codes; the application is locked, submit a new one
    [code-not-sent] the SMS with the code could not be sent; try again
    [no-phone] the registration authority has no phone number for you; update it at a public service centre
    [certificate-revoked] the certificate is revoked; it cannot be renewed, apply for a new one
    [certificate-untrusted] the certificate is not valid now (expired or not trusted); renew it at a public service centre
    [rate-limited] too many attempts; wait a few minutes and try again
    [unauthenticated] the session has expired; log in again
   *[other] { $detail }
}
error-ra-server = the registration authority is not working right now (HTTP { $status }); try again later
error-ra-protocol = the registration authority answered something unexpected: { $detail }
error-ra-bad-trust-anchor = the RA's root certificate is not a valid DER certificate; use the root certificate the RA publishes

## Errors: the device's database

error-store-open = the local database { $path } cannot be opened: { $detail }
error-store-too-new = the local database was written by a newer qoltanba (schema { $found }, this one knows { $known }); update the app
error-store-renewal-in-progress = a renewal of this key is already in progress (renewal { $renewal }); resume it or cancel it first
error-store-no-such-renewal = no renewal { $renewal } exists
error-store-sql = local database error: { $detail }

## Errors: the renewal

error-renewal-key-file = the key file { $path } cannot be used: { $reason }
error-renewal-no-certificate = the key file { $path } holds no certificate; use the key files { -nca } issued
error-renewal-which-keys = give the current key files: one GOST512_ file, or the AUTH_ and the SIGN file
error-renewal-key = { $detail }
error-renewal-no-password = a password is needed and none was given
error-renewal-pin-not-verified = the ID card's PIN is not verified in this session; verify it, then start the renewal
error-renewal-card-lost = the ID card: { $reason }; resume the renewal to continue
error-renewal-user-not-authenticated = unlock the phone (fingerprint, face or passcode), then resume the renewal
error-renewal-application = the application cannot be built: { $detail }
error-renewal-bad-issue = the issued certificate does not check out: { $detail }; nothing was installed
error-renewal-failed = the renewal ended without new certificates: { $reason }; start a new one
error-renewal-corrupt = the stored renewal is unreadable ({ $detail }); start a new one
error-renewal-cancelled = the renewal was stopped after step { $step }; resume it to continue

## Errors: links

error-link-too-long = the link is longer than { $max } characters
error-link-not-qoltanba = not a qoltanba link (expected qoltanba://… or https://…/renew/…)
error-link-unknown-action = the link asks for { $action }, which this app does not know (expected renew)
error-link-bad-query = the link must carry exactly serial=HEX and nothing else
error-link-bad-serial = the link's serial number is not usable: { $reason }

## The kinds of error the apps see (qoltanba-ffi's QoltanbaError codes), in
## general words; the detail says what happened this time.

error-kind-wrong-password = Wrong password
error-kind-wrong-pin = Wrong PIN
error-kind-pin-blocked = The PIN is blocked
error-kind-wrong-can = Wrong CAN
error-kind-card-lost = The card was lost; hold it to the phone again
error-kind-wrong-code = Wrong one-time code
error-kind-ra-unreachable = The registration authority cannot be reached
error-kind-ra-refused = The registration authority refused the request
error-kind-invalid-input = Check what you entered
error-kind-key-file = The key file cannot be used
error-kind-card = The ID card failed
error-kind-renewal-failed = The renewal cannot go on
error-kind-user-not-authenticated = Unlock the phone first
error-kind-keystore = The phone's keystore failed
error-kind-cancelled = The renewal was stopped
error-kind-storage = The app's local database failed
error-kind-internal = Internal error in qoltanba
error-internal = internal error in qoltanba ({ $what }); please report it

## The renewal's steps, as the citizen reads them

step-started = started
step-keys-generated = new keys made
step-signed = application signed
step-awaiting-code = awaiting the one-time code
step-awaiting-issuance = code accepted; awaiting issuance
step-issued = certificates issued
step-installed = certificates installed
step-done = done
step-failed = failed

## The renewal's progress, as the core reports it

status-logging-in = logging in with the AUTH key
status-reading-certificates = reading your certificates from the registration authority
status-generating-key = generating the new { $purpose } key ({ $algorithm })
status-signing = signing the application with the current SIGN key
status-submitting = submitting the application
status-accepted = application { $number } accepted
status-code-accepted = code accepted
status-code-expired = the code expired; submitting the application again
status-code-sent = the one-time code was sent to { $phone }
status-code-pending = the one-time code for { $phone } is not sent yet; the registration authority keeps trying
status-code-failed = the one-time code could not be sent to { $phone }; ask for a new one
status-code-resending = asking the registration authority for a new one-time code
status-issued = the new certificates are issued
status-waiting-for-issuance = waiting for issuance (asking again in { $seconds } s)
status-installing = installing the certificates with the new keys
status-card-key-generated = generated the key on the ID card (slot { $slot })
status-card-certificate-saved = the certificate of slot { $slot } is in { $path }
status-card-writing-certificate = writing the certificate into the ID card (slot { $slot })
status-keystore-key-generated = generated the new key in the device's keystore ({ $level })
warning-card-slot-erase = Generate the new { $purpose } key in ID card key slot { $slot }? Any key in that slot is erased; it holds no key of a valid certificate.

## The command line's own words (qoltanba-cli)

cli-error = error: { $message }
cli-disk-full = { $what }: the disk is full; free some space or choose another folder
cli-key-expired = the key's certificate expired on { $date }; an expired key signs nothing (give --at to judge validity at another instant)
cli-key-not-yet-valid = the key's certificate is not yet valid: not valid before { $date }; check the computer's date and time, or give --at
cli-out-not-utf8 = the --out name { $name } is not valid UTF-8; choose a name in UTF-8
cli-renewal-resuming = Resuming renewal { $renewal }.
# $home: card, keystore or file (where the new keys go).
cli-renewal-started = { $home ->
    [card] Renewal { $renewal } started (keys on the ID card).
    [keystore] Renewal { $renewal } started (new keys in the keystore).
   *[file] Renewal { $renewal } started.
}
cli-renewal-needs-code = Application { $number } waits for the one-time code sent to your phone; run: qoltanba renew --resume --code CODE
cli-renewal-code-pending = Application { $number }: the one-time code is not sent yet (the registration authority keeps trying). When the SMS comes, run: qoltanba renew --resume --code CODE; if it does not come, run: qoltanba renew --resume --resend-code
cli-renewal-code-failed = Application { $number }: the one-time code could not be sent to { $phone }. Ask for a new one: qoltanba renew --resume --resend-code
cli-renewed = Renewed (renewal { $renewal }, application { $application }).
cli-code-prompt = One-time code for application { $number }:{" "}
cli-not-confirmed = { $question } (not confirmed: run in a terminal or pass --yes)
cli-demo-code-arrived = the one-time code arrived by SMS (read from the demo RA's outbox)
cli-no-renewal-to-resume = no unfinished renewal to resume; start one with qoltanba renew --keys …
# $what: one of the cli-secret-… names below; $flag and $env: where it may come from.
cli-secret-missing = { $what } is needed: give { $flag } FILE, set { $env }, or run in a terminal to be asked
cli-secret-can = the card's CAN (the 6 digits printed on the card)
cli-secret-pin = the card's PIN
cli-secret-new-pin = the new card PIN
cli-secret-puk = the card's PUK
cli-secret-password = the key files' password
cli-secret-new-password = the new key files' password
cli-secret-token-pin = the token's PIN
cli-secret-repeat = Repeat it:{" "}
cli-secret-differ = the two entries differ; enter it again
cli-renewal-card-where = renewal { $renewal } keeps its keys on an ID card this computer has not used; say where the card is: --card-reader NAME or --card-simulator FILE
cli-warning-last-pin-try = warning: one PIN try left; a wrong PIN now blocks the card

## Certificate purposes

purpose-auth = authentication
purpose-sign = signing
purpose-both = authentication and signing
purpose-other = { -eds }

## Expiry notices: reminders on the device, the RA's e-mail, SMS and push.
## $end is the end in Astana time, $link opens the renewal of that certificate.

notice-expiring-title = { $days ->
    [one] Your { -eds } certificate expires in 1 day
   *[other] Your { -eds } certificate expires in { $days } days
}
notice-expired-title = Your { -eds } certificate has expired
notice-expiring-body = { $purpose } certificate { $serial } expires on { $end } (Astana time). Tap to renew.
notice-expired-body = { $purpose } certificate { $serial } expired on { $end } (Astana time). Get a new certificate.
notice-email-subject = qoltanba: your { -eds } certificate expires on { $end }
notice-email-greeting = Dear { $name },
notice-email-greeting-anonymous = Dear citizen,
notice-email-body = { $days ->
    [one] your { -eds } certificate ({ $purpose }, serial number { $serial }) expires on { $end } (Astana time); 1 day is left. Renew it in a few steps in the qoltanba app: { $link }
   *[other] your { -eds } certificate ({ $purpose }, serial number { $serial }) expires on { $end } (Astana time); { $days } days are left. Renew it in a few steps in the qoltanba app: { $link }
}
notice-sms = { -eds } certificate { $serial } expires on { $end }; renew it
notice-page-title = Renew your { -eds } certificate
notice-page-body = This link opens the renewal of { -eds } certificate { $serial } in the qoltanba app on your phone. If the app did not open by itself, tap the button below; if it is not installed, install qoltanba from the App Store or Google Play first.
notice-page-button = Open in qoltanba

## The review before signing, and its errors
error-renewal-declined = the renewal was declined at the review; nothing was signed
error-renewal-past-review = the renewal is past its review (step { $step }); resume it, or let it end at the registration authority
error-renewal-not-awaiting-code = the renewal is not waiting for a one-time code (step { $step }); resume it without asking for a new code
error-renewal-other-home = this renewal keeps its keys elsewhere: { $remembered }; resume it with those keys (not { $given })
warning-unprotected-storage = computer storage is not protected; prefer the ID card or the phone's keystore
warning-email-changed = the e-mail differs from the current certificate's; notices will go to the new one
warning-ends-soon = the current certificate ends within a week; an expired key cannot be renewed online

## USB tokens
status-token-key-generated = generated the new { $purpose } key on the token (id { $id })
status-token-certificate-stored = stored the certificate { $serial } on the token
status-demo-review-confirmed = the citizen confirms the application (the demo answers yes)

## The cabinet: keys, actions, applications
status-key-valid = { $days ->
    [one] valid, { $days } day left
   *[other] valid, { $days } days left
}
status-key-expiring = { $days ->
    [one] ends in { $days } day: renew it now
   *[other] ends in { $days } days: renew it now
}
status-key-renewing = renewal { $renewal } under way: { $step }
status-key-replaced = replaced by a renewal
status-key-revoked = revoked
status-key-expired = expired: new keys are issued at a public service centre or on egov.kz
status-key-not-yet-valid = not valid yet; check the phone's date and time
action-renew = Renew
action-resume-renewal = Continue the renewal
action-sign-document = Sign a document
action-revoke = Revoke
action-change-password = Change the password
action-change-pin = Change the PIN
action-unblock-pin = Unblock the PIN

## The cabinet's menu: one screen each in the apps
menu-keys = My keys
menu-renew = Renew
menu-applications = Applications
menu-revoke = Revoke a certificate
menu-credentials = Password and PIN
menu-documents = Documents
menu-settings = Settings

## Revocation reasons, as the citizen chooses them
reason-unspecified = No particular reason
reason-key-compromise = The key or its password may be known to someone else
reason-ca-compromise = The certification authority was compromised
reason-affiliation-changed = My details have changed
reason-superseded = Replaced by a new certificate
reason-cessation-of-operation = I no longer need it
reason-certificate-hold = Suspend for a while
reason-remove-from-crl = Lift the suspension
reason-privilege-withdrawn = The right to use it was withdrawn
reason-aa-compromise = The attribute authority was compromised
next-step-enter-code = enter the code sent by SMS
next-step-wait-for-issuance = wait: the certificates are being issued
next-step-install-certificates = install the issued certificates
next-step-nothing = nothing to do
next-step-start-again = start a new renewal
storage-file = key file on this device
storage-platform-keystore = the phone's keystore
storage-id-card = the ID card
storage-token = a USB token

## Signed documents and the cabinet's own errors
error-document-malformed = this is not a CMS signed message (DER or PEM); send the signed bytes unchanged
error-document-detached = the signed message has no content; sign with the content attached
error-document-content-missing = the signature is detached and the signed document was not given; give the document it signs
error-document-content-twice = the signed message already carries its content; verify it without a separate document
error-document-signer-count = the signed message must have exactly one signer
error-document-signer-certificate-missing = the signer's certificate is not in the message; include it when signing
error-document-missing-attribute = the signed message lacks its { $attribute } attribute; sign with signed attributes
error-document-digest-mismatch = the content does not match its messageDigest; the message was altered
error-document-unsupported-digest = digest algorithm { $algorithm } is not accepted; use SHA-256 or Streebog-512
error-document-unsupported-signature = signature algorithm { $algorithm } is not accepted here
error-document-bad-signature = the signature does not verify: { $reason }
error-document-sign = the key cannot sign a message: { $reason }
error-document-unsupported-signer = the key's algorithm { $algorithm } cannot sign a message; use a GOST 2015, RSA or ECDSA P-256 key
error-document-key-mismatch = the signing certificate does not belong to this key
error-xml-not-utf8 = the XML is not valid UTF-8; send the document in UTF-8
error-xml-encoding = the XML declares the encoding { $encoding }; send the document in UTF-8
error-xml-too-large = the XML is larger than { $limit } bytes; sign a smaller document
error-xml-too-deep = the XML nests elements deeper than { $limit } levels
error-xml-dtd = the XML has a DOCTYPE; documents with a DTD or entities are refused
error-xml-malformed = the XML is not well-formed: { $reason }
error-xml-xpath-unsupported = the XPath { $xpath } is not supported; use an absolute path such as /root/child
error-xml-xpath-no-match = the XPath { $xpath } selects no element
error-xml-no-id = the element to sign ({ $xpath }) has no Id attribute; give it one or sign the whole document
error-xml-duplicate-id = the id { $id } is carried by more than one element; ids must be unique
error-xml-unsupported-signer = the key's algorithm { $algorithm } cannot sign XML; use a GOST 2015, RSA or ECDSA P-256 key
error-xml-key-mismatch = the signing certificate does not belong to this key
error-xml-sign = the key cannot sign the XML: { $reason }
error-xml-no-signature = the XML carries no ds:Signature
error-xml-signature-structure = the ds:Signature is malformed: { $reason }
error-xml-unsupported-algorithm = the algorithm { $algorithm } is not supported in XML signatures
error-xml-unsupported-transform = the transform { $transform } is not supported; only enveloped-signature and C14N are
error-xml-unsupported-reference = the reference { $reference } is not supported; only URI="" and URI="#id" in the same document are
error-xml-reference-not-found = the reference { $reference } names no element of the document
error-xml-reference-outside = the reference { $reference } points outside the element that carries the signature; the document may have been rearranged
error-xml-digest-mismatch = the signed content does not match its digest; the document was altered
error-xml-bad-signature = the signature does not verify: { $reason }
error-xml-certificate = the signer's certificate in the signature is unreadable: { $reason }
error-document-digest-length = the given hash is { $got } bytes but the key's { $algorithm } digest is { $expected }; hash the document with { $algorithm }
error-document-digest-attached = a signature over a given hash cannot carry the document; sign it detached
error-document-signing-certificate-mismatch = the signingCertificateV2 attribute names another certificate than the signer's; the message was altered
error-timestamp-not-a-signature = the signature to time-stamp is not a CMS signed message with one signer; time-stamp the signature qoltanba made
error-timestamp-malformed = the time-stamp authority's answer is not an RFC 3161 time-stamp; check the TSA address
error-timestamp-rejected = the time-stamp authority refused (status { $status }{ $detail }); try again later or configure another TSA
error-timestamp-no-token = the time-stamp authority granted the request but sent no token; try again
error-timestamp-nonce-mismatch = the time-stamp answers another request (its nonce differs); try again
error-timestamp-imprint-mismatch = the time-stamp stamps other data than this signature; the TSA's answer is not for it
error-timestamp-unsupported-digest = the time-stamp's hash algorithm { $algorithm } is not accepted; use SHA-256 or Streebog-512
error-timestamp-bad-token = the time-stamp's signature does not verify: { $reason }
error-timestamp-not-a-tsa = the time-stamp is signed by a certificate that is not a TSA's (no critical timeStamping extended key usage)
error-tsa-bad-url = the time-stamp authority address { $url } is not an http(s) URL; configure a TSA URL
error-tsa-unreachable = the time-stamp authority cannot be reached ({ $cause }); check the connection and the TSA address
error-tsa-timeout = the time-stamp authority did not answer in time; try again
error-tsa-http = the time-stamp authority answered HTTP { $status }; check the TSA address or try again later
error-tsa-content-type = the time-stamp authority answered with content type { $content_type }, not application/timestamp-reply; check the TSA address
error-tsa-too-large = the time-stamp authority's answer is larger than 1 MiB; check the TSA address
error-tsa-bad-root = the time-stamp authority's root certificate is not a valid DER certificate
error-cabinet-unknown-key = no key with certificate { $serial } is known on this device; refresh the list of keys
error-cabinet-not-for-signing = certificate { $serial } is for logging in, not for signing; choose a SIGN key
error-cabinet-not-valid-now = certificate { $serial } is not valid now; choose a valid key
error-cabinet-cannot-log-in = certificate { $serial } cannot log in (not an AUTH key, or not valid); choose a valid AUTH key
error-cabinet-internal = internal error: { $detail }

## USB tokens: errors
error-token-module = the PKCS#11 module { $path } cannot be loaded ({ $reason }); give the path of the token vendor's PKCS#11 library
error-token-none = no token is inserted in a slot of { $module }; insert the token and try again
error-token-no-such = no token labelled '{ $label }' is inserted (present: { $present }); check the label
error-token-which = several tokens are inserted ({ $present }); choose one by its label
error-token-wrong-pin = the token's PIN is wrong; if the token still has its factory PIN, that is 12345678 for Kaztoken and 1234567890 for eToken PRO (Java, 72K) and JaCarta
error-token-wrong-pin-low = the token's PIN is wrong (few tries are left before the token locks); if the token still has its factory PIN, that is 12345678 for Kaztoken and 1234567890 for eToken PRO (Java, 72K) and JaCarta
error-token-wrong-pin-final = the token's PIN is wrong (one try is left: a wrong PIN now locks the token); if the token still has its factory PIN, that is 12345678 for Kaztoken and 1234567890 for eToken PRO (Java, 72K) and JaCarta
error-token-pin-locked = the token's PIN is locked after too many wrong tries; unblock it with the token vendor's tool (it needs the administrator PIN or PUK)
error-token-wrong-token = the key is on the token with serial { $wanted }, not on the inserted one ({ $present }); insert that token
error-token-removed = the token went away ({ $reason }); insert it again and retry
error-token-no-key = the token has no private key with id { $id }; list its keys with `qoltanba keys --token`
error-token-no-certificate = the token holds no certificate for key { $id }; install the key's certificate or choose another key
error-token-unsupported-key = the token's key { $id } is a { $kind } key; qoltanba signs with RSA and P-256 keys on tokens
error-token-unsupported = the token cannot { $what }; { $advice }
error-token-malformed = the token's { $what } is malformed ({ $detail }); the token may be damaged or written by other software
error-token-bad-location = { $location } is not a token key location; expect token:SERIAL/ID-HEX
error-token-device = the token failed to { $operation }: { $detail }

## The NCALayer service: the local CA and trust
error-layer-tls-io = cannot { $action } { $path }: { $reason }; check that the directory is yours and writable
error-layer-tls-damaged = the local certificate files in { $path } are damaged ({ $detail }); delete the directory and run `qoltanba layer trust` again
error-layer-tls-not-private = { $path } can be read by other users of this computer; make it private (chmod 700 on the directory, 600 on the files)
error-layer-tls-generate = the local certificate could not be made ({ $detail }); try again
error-layer-trust-no-certutil = certutil is not installed; install the package libnss3-tools (Debian, Ubuntu), nss-tools (Fedora) or nss (Arch, Homebrew) and run the command again
error-layer-trust-certutil = certutil could not { $action } in the NSS database { $path }: { $detail }; close the browsers that use it and try again
error-layer-trust-not-a-database = { $path } is not an NSS database (it has no cert9.db); give the directory that holds cert9.db
error-layer-trust-no-home = the home directory is not known (HOME is not set); set HOME, or give the databases with --nss-db DIR
layer-trust-installed = trusted: qoltanba's local CA ({ $nickname }) in { $path }
layer-trust-removed = { $count ->
    [one] removed: { $count } qoltanba CA from { $path }
   *[other] removed: { $count } qoltanba CAs from { $path }
}
layer-trust-os-add = qoltanba does not change the operating system's store. Programs that use it (Chrome on Windows and macOS, Safari, curl) trust the CA once you add it yourself ({ $path }):
layer-trust-os-remove = If you added the CA to the operating system's store, remove it there too:
layer-trust-needed = this is a new local CA: browsers trust it after `qoltanba layer trust` (run it once; again only when the CA is renewed)

## The CLI's review
cli-review-title = The application:
cli-review-holder = holder:    { $name } (IIN { $iin })
cli-review-email = e-mail:    { $email }
cli-review-locality = locality:  { $locality }
cli-review-storage = storage:   { $storage }
cli-review-algorithm = algorithm: { $algorithm }
cli-review-validity = { $days ->
    [one] validity:  { $days } day
   *[other] validity:  { $days } days
}
cli-review-validity-unknown = validity:  as the registration authority decides
cli-review-replaces = replaces:  { $serials }
cli-review-question = Sign and submit this application?
cli-renewal-needs-review = Renewal { $renewal } waits for you to confirm the application above; run: qoltanba renew --resume --confirm

## qoltanba as NCALayer (qoltanba-layer): errors in the replies to a page
## (in the page's language, changeLocale), the prompts (in the citizen's).

layer-error-busy = qoltanba serves at most { $max } pages at once; close another page and try again
layer-error-no-storage = qoltanba holds no keys of the storage { $storage }; start qoltanba layer serve with them (--key-file, --simulator, --keystore, --token)
layer-error-no-key-fits = no key fits this request (purpose, extended key usage, validity or revocation)
layer-error-key = the keys could not be opened; qoltanba's window says why
layer-error-sign = signing failed; qoltanba's window says why
layer-error-document = the document cannot be signed: { $detail }
layer-told-key = The keys of { $source } could not be opened: { $detail }
layer-told-no-key-fits = No key in { $source } fits this request (purpose, extended key usage, validity or revocation).
layer-told-sign = Signing failed: { $detail }
layer-refused-declines = { $origin } was refused { $count } times within a minute; qoltanba now refuses it without asking until it restarts.
layer-refused-by-citizen = qoltanba refuses { $origin } without asking until it restarts.
layer-refused-origin = A page was refused without asking: { $reason }
layer-prompt-header = A page asks qoltanba to sign
layer-prompt-header-keyinfo = A page asks which certificate you will sign with (no signature)
layer-prompt-origin = page:      { $origin }
layer-prompt-no-origin = (none: a program on this computer, not a web page)
layer-prompt-unknown-origin = This site is not on your list of portals. Allow it only if you opened it yourself and trust it.
layer-prompt-method = request:   { $method }
layer-prompt-format-cms = format:    CMS, { $attached ->
    [yes] the document inside
   *[no] the signature only
}
layer-prompt-format-xml = format:    XML signature in the document
layer-prompt-documents = documents: { $count }
layer-prompt-document-xml = { $n }. XML, root element <{ $root }>, { $size } bytes: { $excerpt }
layer-prompt-document-text = { $n }. text, { $size } bytes: { $excerpt }
layer-prompt-document-hash = { $n }. the hash of a document you cannot see here ({ $size } bytes): { $hex }
layer-prompt-document-binary = { $n }. binary data, { $size } bytes
layer-prompt-source = { $n }) { $label }
layer-prompt-question = Sign with which key? Number (1-{ $count }), n to refuse, or x to refuse this site until qoltanba restarts:{" "}
layer-prompt-question-origin = Also allow this site from now on? y/N:{" "}
layer-prompt-key = { $n }) { $holder } (IIN { $iin }), { $purpose }, { $algorithm }, until { $until } — { $label } ({ $storage })
layer-prompt-key-question = Which certificate? Number (1-{ $count }), or n to refuse:{" "}
layer-prompt-no-timestamp = The page asks for a time-stamp; no TSA is configured (serve --tsa URL), so the signature will carry none.
layer-prompt-declined = Refused; nothing was signed.
layer-prompt-more = …and { $count } more
layer-prompt-signed-element = signs:     only the element at { $xpath }
layer-prompt-signature-parent = signature: put into the element at { $xpath }
layer-prompt-recap = request:   { $method }, documents: { $count }
layer-prompt-key-signing = signing with: { $holder } (IIN { $iin }), { $purpose }, { $algorithm }, until { $until } — { $label } ({ $storage })
layer-prompt-page-left = The page left before you answered; nothing was opened or signed.
layer-serving = qoltanba answers pages as NCALayer on wss://{ $addr } (Ctrl-C stops it)
