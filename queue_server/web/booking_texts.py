"""The words of the booking pages, Indonesian first (the pages' JS reads them too)."""

from __future__ import annotations

import datetime as dt

TEXTS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Antrean Online", "other_lang": "English", "steps": "Langkah pemesanan",
        "disabled": "Kantor ini belum menerima antrean online. Silakan ambil nomor di anjungan.",
        "s_agency": "Instansi", "s_service": "Layanan", "s_day": "Hari", "s_time": "Jam",
        "s_you": "Data diri", "choose_agency": "Pilih instansi",
        "choose_service": "Pilih layanan", "choose_day": "Pilih hari",
        "choose_time": "Pilih jam kedatangan", "back": "Kembali",
        "no_days": "Tidak ada hari layanan yang dapat dipesan.",
        "no_times": "Tidak ada jam yang tersisa pada hari ini. Pilih hari lain.",
        "left": "sisa {n}", "full": "penuh",
        "your_data": "Nama dan nomor HP", "name": "Nama lengkap",
        "phone": "Nomor HP (WhatsApp)", "phone_hint": "Contoh: 0812 3456 7890",
        "privacy": "Nama dan nomor HP hanya dipakai untuk pesanan ini dan dihapus setelah "
                   "masa simpan data kantor.",
        "whatsapp": "Kirimi saya konfirmasi dan pengingat lewat WhatsApp",
        "whatsapp_hint": "Ke nomor HP di atas: konfirmasi sekarang, pengingat sehari sebelumnya. "
                         "Balas STOP untuk berhenti.",
        "confirm": "Pesan sekarang", "done": "Pesanan berhasil",
        "your_code": "Kode pesanan Anda", "qr_alt": "Kode QR pesanan untuk check-in",
        "requirements": "Persyaratan yang perlu dibawa", "cost": "Biaya",
        "manage": "Lihat atau batalkan pesanan",
        "keep_link": "Simpan tautan ini: hanya lewat tautan ini pesanan dapat dibatalkan.",
        "window": "Check-in di anjungan: {from} sampai {to}. Ketik kode atau pindai QR ini.",
        "manage_title": "Pesanan Antrean Online", "when": "Waktu", "status": "Status",
        "cancel": "Batalkan pesanan", "cancel_sure": "Batalkan pesanan ini?",
        "new_booking": "Buat pesanan baru", "no_token": "Buka halaman ini dari tautan kelola "
        "yang Anda terima saat memesan.",
        "st_booked": "Terpesan", "st_checked_in": "Sudah check-in",
        "st_cancelled": "Dibatalkan", "st_expired": "Kedaluwarsa (tidak hadir)",
        "network": "Koneksi terputus. Periksa internet Anda lalu coba lagi.",
    },
    "en": {
        "title": "Online Booking", "other_lang": "Bahasa Indonesia", "steps": "Booking steps",
        "disabled": "This office does not take online bookings. Please take a ticket at the "
                    "kiosk.",
        "s_agency": "Agency", "s_service": "Service", "s_day": "Day", "s_time": "Time",
        "s_you": "Your details", "choose_agency": "Choose an agency",
        "choose_service": "Choose a service", "choose_day": "Choose a day",
        "choose_time": "Choose your arrival time", "back": "Back",
        "no_days": "No service day can be booked.",
        "no_times": "No times are left on this day. Choose another day.",
        "left": "{n} left", "full": "full",
        "your_data": "Name and phone number", "name": "Full name",
        "phone": "Mobile number (WhatsApp)", "phone_hint": "E.g. 0812 3456 7890",
        "privacy": "Your name and number are used for this booking only and deleted after "
                   "the office's retention period.",
        "whatsapp": "Send me a confirmation and a reminder on WhatsApp",
        "whatsapp_hint": "To the number above: the confirmation now, a reminder the day before. "
                         "Reply STOP to stop.",
        "confirm": "Book now", "done": "Booked",
        "your_code": "Your booking code", "qr_alt": "Booking QR code for check-in",
        "requirements": "Requirements to bring", "cost": "Cost",
        "manage": "View or cancel the booking",
        "keep_link": "Keep this link: the booking can only be cancelled through it.",
        "window": "Check in at the kiosk: {from} to {to}. Type the code or scan this QR.",
        "manage_title": "Online Booking", "when": "Time", "status": "Status",
        "cancel": "Cancel the booking", "cancel_sure": "Cancel this booking?",
        "new_booking": "Make a new booking", "no_token": "Open this page from the manage "
        "link you received when booking.",
        "st_booked": "Booked", "st_checked_in": "Checked in",
        "st_cancelled": "Cancelled", "st_expired": "Expired (no-show)",
        "network": "Connection lost. Check your internet and try again.",
    },
}

_DAYS = {"id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
         "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
_MONTHS = {"id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
                  "September", "Oktober", "November", "Desember"),
           "en": ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")}


def day_label(day: dt.date, lang: str) -> str:
    """``Senin, 7 Desember``."""
    words = "en" if lang == "en" else "id"
    return f"{_DAYS[words][day.weekday()]}, {day.day} {_MONTHS[words][day.month - 1]}"
