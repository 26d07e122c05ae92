"""What each error code says, in Bahasa Indonesia first and English on request."""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    "invalid": ("Data tidak sah: {detail}", "Invalid data: {detail}"),
    "bad_json": ("Isi permintaan bukan JSON yang sah.", "The request body is not valid JSON."),
    "too_deep": ("Isi permintaan bersarang terlalu dalam (maksimal {limit} tingkat).",
                 "The request body nests too deeply (at most {limit} levels)."),
    "too_large": ("Isi permintaan terlalu besar (maksimal {limit} bita).",
                  "The request body is too large (at most {limit} bytes)."),
    "unknown_service": ("Layanan {service!r} tidak dikenal.", "Unknown service {service!r}."),
    "unknown_priority": ("Kategori prioritas {priority!r} tidak dikenal.",
                         "Unknown priority category {priority!r}."),
    "unknown_counter": ("Loket {counter!r} tidak dikenal.", "Unknown counter {counter!r}."),
    "not_found": ("Data tidak ditemukan.", "Not found."),
    "ticket_not_found": ("Tiket tidak ditemukan.", "Ticket not found."),
    "bad_state": ("Tiket berstatus {status} tidak dapat di-{action}.",
                  "A ticket that is {status} cannot be {action}."),
    "recall_first": ("Panggil ulang dulu minimal {needed} kali sebelum menandai tidak hadir "
                     "(baru {done} kali).",
                     "Recall at least {needed} times before marking a no-show (done {done})."),
    "same_service": ("Tiket sudah berada di layanan {service}.",
                     "The ticket is already at service {service}."),
    "not_your_ticket": ("Tiket ini tidak sedang ditangani loket Anda.",
                        "This ticket is not held by your counter."),
    "wrong_counter": ("Anda masuk di loket {signed_in}, bukan loket {counter}.",
                      "You are signed in at counter {signed_in}, not {counter}."),
    "no_counter": ("Anda belum masuk di loket mana pun.", "You are not signed in at a counter."),
    "unauthorized": ("Silakan masuk terlebih dahulu.", "Please sign in first."),
    "bad_signature": ("Tanda tangan pesan tidak sah.", "The message signature is not valid."),
    "whatsapp_off": ("Layanan WhatsApp belum diaktifkan di situs ini.",
                     "WhatsApp is not set up on this site."),
    "bad_verify_token": ("Token verifikasi webhook tidak cocok.",
                         "The webhook verify token does not match."),
    "session_expired": ("Sesi Anda berakhir. Silakan masuk kembali.",
                        "Your session has ended. Please sign in again."),
    "forbidden": ("Anda tidak berhak melakukan ini.", "You are not allowed to do this."),
    "password_too_short": ("Kata sandi minimal 10 karakter.",
                           "The password must have at least 10 characters."),
    "password_is_username": ("Kata sandi tidak boleh sama dengan nama pengguna.",
                             "The password must not be the user name."),
    "password_common": ("Kata sandi ini terlalu umum dan mudah ditebak; pilih yang lain.",
                        "This password is too common and easy to guess; choose another."),
    "bad_credentials": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "too_many_attempts": ("Terlalu banyak percobaan masuk dari perangkat ini. Coba lagi dalam "
                          "{minutes} menit.",
                          "Too many sign-in attempts from this device. Try again in {minutes} "
                          "minutes."),
    "account_locked": ("Akun ini dikunci sementara karena terlalu banyak percobaan masuk. "
                       "Kunci terbuka sendiri dalam {minutes} menit, atau minta supervisor "
                       "membukanya sekarang.",
                       "This account is locked for now after too many sign-in attempts. It "
                       "unlocks by itself in {minutes} minutes, or a supervisor can unlock it "
                       "now."),
    "unknown_user": ("Pengguna {username!r} tidak dikenal.", "Unknown user {username!r}."),
    "busy": ("Server sedang sibuk. Silakan coba lagi sebentar lagi.",
             "The server is busy. Please try again in a moment."),
    "csrf": ("Permintaan ditolak: token keamanan tidak cocok. Muat ulang halaman.",
             "Request refused: the security token does not match. Reload the page."),
    "counter_busy": ("Selesaikan dulu tiket {number} sebelum memanggil berikutnya.",
                     "Finish ticket {number} before calling the next one."),
    "number_not_found": ("Nomor {number} tidak ada di antrean hari ini.",
                         "There is no number {number} in today's queue."),
    "number_not_waiting": ("Nomor {number} tidak sedang menunggu: {status_id}.",
                           "Number {number} is not waiting: {status_en}."),
    "number_not_for_counter": ("Nomor {number} ({service}) tidak dilayani di loket ini.",
                               "Number {number} ({service}) is not served at this counter."),
    "counter_closed": ("Loket {counter} belum dibuka.", "Counter {counter} is not open."),
    "counter_on_break": ("Loket {counter} sedang istirahat.", "Counter {counter} is on a break."),
    "counter_taken": ("Loket {counter} sedang dipakai petugas lain.",
                      "Counter {counter} is in use by another officer."),
    "duplicate_user": ("Pengguna {username!r} sudah ada.", "User {username!r} already exists."),
    "quota_exhausted": ("Kuota harian layanan {service} sudah habis. Silakan datang kembali "
                        "pada hari kerja berikutnya.",
                        "Today's quota for {service} is used up. Please come back on the next "
                        "working day."),
    "closed": ("Layanan sedang tutup.", "The service is closed."),
    "holiday": ("Hari ini libur.", "Today is a holiday."),
    "unknown_printer": ("Printer {printer!r} tidak dikenal.", "Unknown printer {printer!r}."),
    "no_printer": ("Tidak ada printer yang terpasang.", "No printer is configured."),
    "wait_past_closing": ("Perkiraan waktu tunggu layanan {service} melewati jam tutup. Nomor "
                          "antrean hari ini tidak dapat diambil lagi.",
                          "The estimated wait for {service} runs past closing time. No more "
                          "tickets can be issued today."),
    "not_on_break": ("Loket {counter} tidak sedang istirahat atau menunggu giliran istirahat.",
                     "Counter {counter} is not on a break or waiting for one."),
    "rotation_impossible": ("Jadwal istirahat bergilir tidak dapat disusun: layanan {service}.",
                            "No rotating break plan is possible: service {service}."),
    "method_not_allowed": ("Metode tidak diizinkan.", "Method not allowed."),
    "internal": ("Terjadi kesalahan pada server. Tiket dan data Anda aman; silakan coba lagi.",
                 "Something went wrong on the server. Your data is safe; please try again."),
    "unavailable": ("Basis data sedang tidak dapat dihubungi. Silakan coba lagi sebentar lagi; "
                    "tidak ada data yang hilang.",
                    "The database cannot be reached right now. Please try again shortly; "
                    "nothing was lost."),
    "conflict": ("Data ini sudah ada atau sudah diubah orang lain (mis. survei tiket ini "
                 "sudah diisi).",
                 "This already exists or was changed by someone else (e.g. the survey for this "
                 "ticket was already answered)."),
    "survey_key": ("Survei hanya dapat diisi oleh pemegang tiket: buka dari kode QR pada "
                   "tiket Anda.",
                   "Only the ticket's holder can answer the survey: open it from the QR code "
                   "on your ticket."),
    "survey_not_available": ("Survei hanya dapat diisi setelah layanan selesai (status tiket: "
                             "{status}).",
                             "The survey opens once the service is finished (ticket status: "
                             "{status})."),
    # administration (issue 14)
    "service_inactive": ("Layanan {service!r} sedang tidak dibuka.",
                         "Service {service!r} is not offered at the moment."),
    "config_invalid": ("Perubahan ditolak: {detail}", "The change was refused: {detail_en}"),
    "stale_version": ("Konfigurasi sudah diubah orang lain (versi {current}, Anda mengubah "
                      "versi {sent}). Muat ulang, periksa perubahannya, lalu simpan lagi.",
                      "Someone else changed the configuration (version {current}, you edited "
                      "version {sent}). Reload, look at their change, then save again."),
    "bad_version": ("If-Match harus nomor versi konfigurasi, mis. \"12\".",
                    "If-Match must be the configuration's version number, e.g. \"12\"."),
    "service_has_waiting": ("Layanan {service} masih punya {waiting} antrean menunggu: "
                            "nonaktifkan saja (antreannya tetap dilayani), hapus nanti.",
                            "Service {service} still has {waiting} waiting ticket(s): "
                            "deactivate it instead (they are still served) and delete it later."),
    "counter_occupied": ("Petugas {officer} sedang masuk di loket {counter}: loket tidak dapat "
                         "dihapus atau dinonaktifkan sekarang.",
                         "Officer {officer} is signed in at counter {counter}: it cannot be "
                         "removed or deactivated now."),
    "unknown_closure": ("Penutupan {closure!r} tidak ditemukan.",
                        "Closure {closure!r} not found."),
    "unknown_agency": ("Instansi {agency!r} tidak dikenal.", "Unknown agency {agency!r}."),
    # online booking (issue 16)
    "booking_disabled": ("Kantor ini belum menerima antrean online.",
                         "This office does not take online bookings."),
    "invalid_phone": ("Nomor HP {phone!r} bukan nomor seluler Indonesia (contoh: "
                      "0812 3456 7890).",
                      "{phone!r} is not an Indonesian mobile number (e.g. 0812 3456 7890)."),
    "invalid_date": ("Tanggal {date!r} tidak sah: tulis TTTT-BB-HH, mis. 2026-12-07.",
                     "Date {date!r} is not valid: write YYYY-MM-DD, e.g. 2026-12-07."),
    "invalid_name": ("Nama wajib diisi (paling banyak 100 karakter).",
                     "The name is required (at most 100 characters)."),
    "no_such_slot": ("Tidak ada jadwal layanan {service} pada {date} pukul {start} (kantor "
                     "tutup, di luar jam layanan, atau lewat batas pemesanan).",
                     "There is no {service} slot on {date} at {start} (the office is closed, "
                     "it is outside opening hours, or too far ahead)."),
    "slot_full": ("Jadwal {date} pukul {start} untuk layanan {service} sudah penuh. Silakan "
                  "pilih jam lain.",
                  "The {start} slot on {date} for {service} is full. Please choose another "
                  "time."),
    "online_quota_full": ("Kuota antrean online layanan {service} pada {date} sudah habis.",
                          "The online quota for {service} on {date} is used up."),
    "phone_service_limit": ("Nomor HP ini sudah punya pesanan layanan {service} pada {date} "
                            "(kode {booking}).",
                            "This phone number already has a {service} booking on {date} "
                            "(code {booking})."),
    "phone_day_limit": ("Nomor HP ini sudah punya {limit} pesanan pada {date}; batas per hari "
                        "tercapai.",
                        "This phone number already has {limit} bookings on {date}, the daily "
                        "limit."),
    "booking_not_found": ("Kode pesanan {booking!r} tidak ditemukan.",
                          "Booking code {booking!r} not found."),
    "booking_token": ("Pesanan hanya dapat dilihat atau dibatalkan lewat tautan kelola yang "
                      "Anda terima saat memesan.",
                      "A booking can only be seen or cancelled through the manage link you "
                      "received when booking."),
    "booking_not_active": ("Pesanan {booking} berstatus {status}; tidak dapat diubah lagi.",
                           "Booking {booking} is {status}; it can no longer be changed."),
    "too_early": ("Terlalu awal: check-in pesanan {booking} dibuka pada {window_day} pukul "
                  "{window_from} sampai {window_to}.",
                  "Too early: check-in for booking {booking} opens on {window_day} from "
                  "{window_from} to {window_to}."),
    "too_late": ("Terlambat: check-in pesanan {booking} hanya pada {window_day} pukul "
                 "{window_from} sampai {window_to}. Silakan ambil nomor antrean biasa.",
                 "Too late: check-in for booking {booking} was on {window_day} from "
                 "{window_from} to {window_to}. Please take a regular ticket."),
}

#: What exactly is wrong in an ``invalid`` answer: ``Invalid("invalid", what=KEY, **params)``
#: says ``"Data tidak sah: " + the detail`` (``"Invalid data: …"`` in English), and the answer
#: carries the detail as ``detail`` in the same language.
INVALID_DETAILS: dict[str, tuple[str, str]] = {
    "slot_time": ("kolom '{field}' berupa jam JJ:MM", "field '{field}' is a time HH:MM"),
    "booking_code": ("kode pesanan 6 karakter", "a booking code has 6 characters"),
    "required": ("kolom '{field}' wajib diisi", "field '{field}' is required"),
    "not_text": ("kolom '{field}' harus berupa teks", "field '{field}' must be text"),
    "not_integer": ("kolom '{field}' harus berupa bilangan bulat",
                    "field '{field}' must be an integer"),
    "not_boolean": ("kolom '{field}' harus berupa true/false",
                    "field '{field}' must be true or false"),
    "wrong_type": ("kolom '{field}' harus berupa {kind}", "field '{field}' must be {kind}"),
    "too_long": ("kolom '{field}' terlalu panjang", "field '{field}' is too long"),
    "longer_than": ("kolom '{field}' lebih dari {limit} karakter",
                    "field '{field}' is longer than {limit} characters"),
    "score": ("kolom '{field}' harus bilangan bulat 1 sampai 4",
              "field '{field}' must be a whole number from 1 to 4"),
    "age": ("umur harus antara 1 dan 120", "age must be between 1 and 120"),
    "one_of": ("kolom '{field}' harus salah satu dari {options}",
               "field '{field}' must be one of {options}"),
    "date": ("'{field}' harus tanggal seperti 2025-11-24", "'{field}' must look like 2025-11-24"),
    "unknown_kiosk": ("kios {kiosk!r} tidak dikenal", "unknown kiosk {kiosk!r}"),
    "unknown_field": ("kolom '{field}' tidak dikenal", "unknown field '{field}'"),
    "not_valid": ("kolom '{field}' tidak sah", "field '{field}' is not valid"),
    "not_object": ("isi permintaan harus objek JSON", "the body must be a JSON object"),
    "idempotency_key": ("Idempotency-Key 1-100 karakter ASCII tanpa spasi",
                        "Idempotency-Key must be 1-100 visible ASCII characters"),
    "not_a_date": ("'{field}' harus tanggal YYYY-MM-DD", "'{field}' must be a date YYYY-MM-DD"),
    "range_reversed": ("'to' sebelum 'from'", "'to' is before 'from'"),
    "range_too_long": ("rentang maksimal {days} hari", "at most {days} days"),
    "queue_number": ("nomor antrean harus seperti A-012", "a queue number looks like A-012"),
    "no_break_window": ("berkas situs tidak punya [breaks] window",
                        "the site file has no [breaks] window"),
    "role": ("role harus salah satu dari {roles}", "role must be one of {roles}"),
    "username": ("nama pengguna: huruf, angka, '.', '_' atau '-'",
                 "user name: letters, digits, '.', '_' or '-'"),
    "out_of_range": ("nilai di luar batas", "a value is out of range"),
    "unknown_agency": ("instansi {agency!r} tidak dikenal", "unknown agency {agency!r}"),
    "zone": ("zona hanya boleh huruf, angka, '-' dan '_'",
             "a zone may hold letters, digits, '-' and '_' only"),
    "month": ("'{field}' harus bulan YYYY-MM", "'{field}' must be a month YYYY-MM"),
    "webhook_body": ("isi webhook bukan bentuk yang dikenal penyedia",
                     "the webhook body is not in the provider's shape"),
    # the live socket (/ws): its query and the messages a screen sends
    "topics_required": ("'topics' wajib diisi, mis. topics=display",
                        "'topics' is required, e.g. topics=display"),
    "too_many_topics": ("paling banyak {limit} topik", "at most {limit} topics"),
    "unknown_topic": ("topik {topic!r} tidak dikenal", "unknown topic {topic!r}"),
    "whole_number": ("'{field}' harus bilangan bulat 0 sampai {limit}",
                     "'{field}' must be a whole number from 0 to {limit}"),
    "name_chars": ("'{field}' hanya boleh huruf, angka dan _.:-",
                   "'{field}' may hold letters, digits and _.:- only"),
    "hello_fields": ("pesan hello perlu client_id dan kind", "hello needs client_id and kind"),
    "announce_fields": ("pesan announce perlu zone dan seq", "announce needs zone and seq"),
}


def invalid_detail(what: str, lang: str, params: dict[str, Any]) -> str | None:
    """The detail sentence of an ``invalid`` answer, or ``None`` when ``what`` is unknown."""
    pair = INVALID_DETAILS.get(what)
    if pair is None:
        return None
    try:
        return (pair[1] if lang == "en" else pair[0]).format(**params)
    except (KeyError, IndexError, ValueError):
        return None


def message(code: str, lang: str, params: dict[str, Any]) -> str:
    """The sentence for ``code``; a message may be passed ready-made in ``params`` (a text
    module's sentence, e.g. the opening hours), and an ``invalid`` one names its detail
    with ``what`` (see :data:`INVALID_DETAILS`)."""
    ready = params.get(f"message_{lang}")
    if isinstance(ready, str):
        return ready
    id_text, en_text = MESSAGES.get(code, MESSAGES["invalid"])
    template = en_text if lang == "en" else id_text
    what = params.get("what")
    if isinstance(what, str):
        detail = invalid_detail(what, lang, params)
        if detail is not None:
            params = {**params, "detail": detail}
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].strip() or code
