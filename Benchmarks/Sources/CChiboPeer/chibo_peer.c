// The benchmark messages as protoc-c structs. The values must match Fixtures.swift in
// BenchFixtures field for field: the benchmark checks at start-up that all three peers encode
// the same bytes and decode each other's output to equal content.

#include "chibo_peer.h"

#include <stdio.h>
#include <stdlib.h>

#include "chibo/v1/meetings.pb-c.h"
#include "chibo/v1/members.pb-c.h"

// ---------------------------------------------------------------------------------------------
// Member

static Chibo__V1__Member member;
static Chibo__V1__Date member_birth, member_admitted, member_official, position_from;
static Chibo__V1__Date event_dates[2];
static Chibo__V1__DateRange position_valid;
static Chibo__V1__Position position;
static Chibo__V1__Position *positions[1];
static Chibo__V1__StatusEvent events[2];
static Chibo__V1__StatusEvent *event_pointers[2];
static int member_ready;

static void set_date(Chibo__V1__Date *date, int32_t year, int32_t month, int32_t day) {
    chibo__v1__date__init(date);
    date->year = year;
    date->month = month;
    date->day = day;
}

static void build_member(void) {
    chibo__v1__member__init(&member);
    member.id = "m-01J8ZK4T6Q3R";
    member.party_card_number = "93.012345";
    member.citizen_id = "014078001234";
    member.full_name = "Tòng Văn Hạnh";
    member.family_name = "Tòng";
    member.middle_name = "Văn";
    member.given_name = "Hạnh";
    member.gender = CHIBO__V1__GENDER__GENDER_MALE;
    set_date(&member_birth, 1978, 3, 14);
    member.birth_date = &member_birth;
    member.ethnicity = "Thái";
    member.home_place = "Chiềng Mung, Mai Sơn, Sơn La";
    member.phone = "0912345678";
    set_date(&member_admitted, 2005, 5, 19);
    member.admitted_on = &member_admitted;
    set_date(&member_official, 2006, 5, 19);
    member.official_on = &member_official;
    member.cell_id = "cell-nasan-03";

    chibo__v1__position__init(&position);
    position.kind = CHIBO__V1__POSITION_KIND__POSITION_KIND_SECRETARY;
    position.unit_id = "cell-nasan-03";
    chibo__v1__date_range__init(&position_valid);
    set_date(&position_from, 2020, 9, 1);
    position_valid.from = &position_from;
    position.valid = &position_valid;
    positions[0] = &position;
    member.n_positions = 1;
    member.positions = positions;

    static char *const event_ids[2] = {"ev-0001", "ev-0002"};
    static char *const decisions[2] = {"125-QĐ/ĐU", "210-QĐ/ĐU"};
    for (int i = 0; i < 2; i++) {
        chibo__v1__status_event__init(&events[i]);
        events[i].id = event_ids[i];
        events[i].kind = i == 0 ? CHIBO__V1__STATUS_EVENT_KIND__STATUS_EVENT_KIND_ADMITTED
                                : CHIBO__V1__STATUS_EVENT_KIND__STATUS_EVENT_KIND_MADE_OFFICIAL;
        set_date(&event_dates[i], 2005 + i, 5, 19);
        events[i].effective_on = &event_dates[i];
        events[i].decision_ref = decisions[i];
        event_pointers[i] = &events[i];
    }
    member.n_events = 2;
    member.events = event_pointers;
    member.status = CHIBO__V1__MEMBER_STATUS__MEMBER_STATUS_OFFICIAL;

    member_ready = 1;
}

static const Chibo__V1__Member *the_member(void) {
    if (!member_ready) build_member();
    return &member;
}

size_t bench_member_pack(void) {
    const Chibo__V1__Member *m = the_member();
    size_t size = chibo__v1__member__get_packed_size(m);
    uint8_t *buffer = malloc(size);
    if (!buffer) abort();
    size_t written = chibo__v1__member__pack(m, buffer);
    free(buffer);
    return written;
}

size_t bench_member_pack_into(uint8_t *out, size_t capacity) {
    const Chibo__V1__Member *m = the_member();
    if (chibo__v1__member__get_packed_size(m) > capacity) return 0;
    return chibo__v1__member__pack(m, out);
}

int bench_member_unpack(const uint8_t *data, size_t length) {
    Chibo__V1__Member *m = chibo__v1__member__unpack(NULL, length, data);
    if (!m) return -1;
    chibo__v1__member__free_unpacked(m, NULL);
    return 0;
}

size_t bench_member_repack(const uint8_t *data, size_t length, uint8_t *out, size_t capacity) {
    Chibo__V1__Member *m = chibo__v1__member__unpack(NULL, length, data);
    if (!m) return 0;
    size_t written = 0;
    if (chibo__v1__member__get_packed_size(m) <= capacity) written = chibo__v1__member__pack(m, out);
    chibo__v1__member__free_unpacked(m, NULL);
    return written;
}

// ---------------------------------------------------------------------------------------------
// Meeting

#define ATTENDEES 22

static char *const attendee_names[ATTENDEES] = {
    "Tòng Văn Hạnh",  "Lò Thị Mai",      "Cầm Văn Thắng",  "Quàng Thị Hương",   "Lường Văn Đức",
    "Hoàng Thị Lan",  "Nguyễn Văn Tuấn", "Vì Thị Nga",     "Lò Văn Khánh",      "Điêu Thị Thu",
    "Tòng Văn Quyết", "Cà Thị Hồng",     "Lường Văn Sơn",  "Trần Thị Ngọc Ánh", "Mùa A Chứ",
    "Hà Văn Phúc",    "Lê Thị Thảo",     "Quàng Văn Dũng", "Sầm Thị Yến",       "Phạm Văn Long",
    "Lò Thị Duyên",   "Bạc Cầm Tùng",
};

static Chibo__V1__Meeting meeting;
static Chibo__V1__Date held_on, due_dates[2];
static Chibo__V1__AgendaItem agenda[3];
static Chibo__V1__AgendaItem *agenda_pointers[3];
static Chibo__V1__Guest guest;
static Chibo__V1__Guest *guest_pointers[1];
static Chibo__V1__AttendanceRecord attendance[ATTENDEES];
static Chibo__V1__AttendanceRecord *attendance_pointers[ATTENDEES];
static char attendee_ids[ATTENDEES][8];
static Chibo__V1__Contribution contributions[2];
static Chibo__V1__Contribution *contribution_pointers[2];
static Chibo__V1__Resolution resolutions[2];
static Chibo__V1__Resolution *resolution_pointers[2];
static Chibo__V1__RecordMeta meeting_meta;
static int meeting_ready;

static char minutes[] =
    "Chi bộ đã đánh giá kết quả thực hiện nhiệm vụ tháng 5: 100% đảng viên hoàn thành việc học "
    "tập chuyên đề năm 2024; bản Nà Sản hoàn thành thu hoạch vụ chiêm xuân với năng suất bình quân "
    "58 tạ/ha; công tác vận động nhân dân tham gia xây dựng đường giao thông nông thôn được triển "
    "khai đúng tiến độ, đã đổ bê tông 420 m đường nội bản. Tồn tại: một số đảng viên chưa tích cực "
    "tham gia sinh hoạt, việc thu nộp đảng phí còn chậm. Chi bộ thống nhất phương hướng tháng 6: "
    "tập trung chăm sóc lúa mùa, phòng chống dịch bệnh cho gia súc, gia cầm; vận động các hộ hoàn "
    "thành đóng góp quỹ xây dựng nhà văn hóa trước ngày 30/6; phân công đồng chí Lò Thị Mai theo "
    "dõi công tác dân số và gia đình. Đồng chí Bí thư chi bộ kết luận: các đồng chí đảng viên phải "
    "gương mẫu, bám sát địa bàn, kịp thời nắm bắt tâm tư nguyện vọng của nhân dân và báo cáo chi "
    "ủy trước kỳ sinh hoạt tới.";

static void build_meeting(void) {
    chibo__v1__meeting__init(&meeting);
    meeting.id = "mt-2024-06-15-03";
    meeting.cell_id = "cell-nasan-03";
    set_date(&held_on, 2024, 6, 15);
    meeting.held_on = &held_on;
    meeting.start_minute = 450;
    meeting.end_minute = 615;
    meeting.kind = CHIBO__V1__MEETING_KIND__MEETING_KIND_COMBINED;
    meeting.topic = "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh";
    meeting.place = "Nhà văn hóa bản Nà Sản";

    static char *const titles[3] = {
        "Đánh giá kết quả thực hiện nhiệm vụ tháng 5",
        "Sinh hoạt chuyên đề năm 2024",
        "Triển khai nhiệm vụ tháng 6",
    };
    static char *const summaries[3] = {
        "Chi ủy báo cáo; các đảng viên góp ý bổ sung.",
        "Đồng chí Bí thư quán triệt nội dung chuyên đề.",
        "Thống nhất các chỉ tiêu sản xuất và công tác dân vận.",
    };
    for (int i = 0; i < 3; i++) {
        chibo__v1__agenda_item__init(&agenda[i]);
        agenda[i].number = i + 1;
        agenda[i].title = titles[i];
        agenda[i].summary = summaries[i];
        agenda_pointers[i] = &agenda[i];
    }
    meeting.n_agenda = 3;
    meeting.agenda = agenda_pointers;
    meeting.chair_member_id = "m-01";
    meeting.recorder_member_id = "m-02";

    chibo__v1__guest__init(&guest);
    guest.member_id = "m-dy-0101";
    guest.full_name = "Nguyễn Thị Hoa";
    guest.role = "Ủy viên BTV Đảng ủy xã";
    guest.is_supervisor = 1;
    guest_pointers[0] = &guest;
    meeting.n_guests = 1;
    meeting.guests = guest_pointers;

    for (int i = 0; i < ATTENDEES; i++) {
        Chibo__V1__AttendanceRecord *r = &attendance[i];
        chibo__v1__attendance_record__init(r);
        snprintf(attendee_ids[i], sizeof attendee_ids[i], "m-%02d", i + 1);
        r->member_id = attendee_ids[i];
        if (i == 4 || i == 12) {
            r->state = CHIBO__V1__ATTENDANCE_STATE__ATTENDANCE_STATE_ABSENT_EXCUSED;
            r->reason = i == 4 ? "Đi khám bệnh tại bệnh viện huyện" : "Đi làm ăn xa, đã báo cáo chi ủy";
        } else if (i == 17) {
            r->state = CHIBO__V1__ATTENDANCE_STATE__ATTENDANCE_STATE_ABSENT_UNEXCUSED;
        } else {
            r->state = CHIBO__V1__ATTENDANCE_STATE__ATTENDANCE_STATE_PRESENT;
        }
        r->category = i % 7 == 6 ? CHIBO__V1__MEMBER_CATEGORY__MEMBER_CATEGORY_PROBATIONARY
                                 : CHIBO__V1__MEMBER_CATEGORY__MEMBER_CATEGORY_OFFICIAL;
        r->spoke = i == 0 || i == 2 || i == 7;
        r->full_name = attendee_names[i];
        attendance_pointers[i] = r;
    }
    meeting.n_attendance = ATTENDEES;
    meeting.attendance = attendance_pointers;

    static char *const speaker_ids[2] = {"m-03", "m-08"};
    static char *const speaker_summaries[2] = {
        "Đề nghị chi bộ sớm họp bàn phương án đổ bê tông đoạn đường còn lại.",
        "Đề nghị tăng cường tuyên truyền phòng chống dịch bệnh gia súc.",
    };
    for (int i = 0; i < 2; i++) {
        chibo__v1__contribution__init(&contributions[i]);
        contributions[i].member_id = speaker_ids[i];
        contributions[i].speaker_name = attendee_names[i == 0 ? 2 : 7];
        contributions[i].summary = speaker_summaries[i];
        contribution_pointers[i] = &contributions[i];
    }
    meeting.n_contributions = 2;
    meeting.contributions = contribution_pointers;
    meeting.minutes = minutes;

    Chibo__V1__Resolution *r = &resolutions[0];
    chibo__v1__resolution__init(r);
    r->id = "rs-2024-06-01";
    r->meeting_id = "mt-2024-06-15-03";
    r->text = "Hoàn thành đổ bê tông 180 m đường nội bản còn lại";
    r->owner_member_id = "m-03";
    r->owner_name = "Cầm Văn Thắng";
    set_date(&due_dates[0], 2024, 7, 31);
    r->due_on = &due_dates[0];
    r->status = CHIBO__V1__RESOLUTION_STATUS__RESOLUTION_STATUS_OPEN;
    r = &resolutions[1];
    chibo__v1__resolution__init(r);
    r->id = "rs-2024-06-02";
    r->meeting_id = "mt-2024-06-15-03";
    r->text = "Thu nộp đảng phí quý II đầy đủ, đúng hạn";
    r->owner_member_id = "m-02";
    r->owner_name = "Lò Thị Mai";
    set_date(&due_dates[1], 2024, 6, 30);
    r->due_on = &due_dates[1];
    r->status = CHIBO__V1__RESOLUTION_STATUS__RESOLUTION_STATUS_IN_PROGRESS;
    r->note = "Đã thu 15/22 đảng viên";
    resolution_pointers[0] = &resolutions[0];
    resolution_pointers[1] = &resolutions[1];
    meeting.n_resolutions = 2;
    meeting.resolutions = resolution_pointers;

    meeting.minutes_approved = 1;
    meeting.quality_case = CHIBO__V1__MEETING__QUALITY_QUALITY_SCORE;
    meeting.quality_score = 85;
    chibo__v1__record_meta__init(&meeting_meta);
    meeting_meta.revision = 3;
    meeting_meta.created_at_ms = 1718430000000;
    meeting_meta.updated_at_ms = 1718440000000;
    meeting_meta.updated_by = "cell-nasan-03/secretary";
    meeting.meta = &meeting_meta;
    meeting_ready = 1;
}

static const Chibo__V1__Meeting *the_meeting(void) {
    if (!meeting_ready) build_meeting();
    return &meeting;
}

size_t bench_meeting_pack(void) {
    const Chibo__V1__Meeting *m = the_meeting();
    size_t size = chibo__v1__meeting__get_packed_size(m);
    uint8_t *buffer = malloc(size);
    if (!buffer) abort();
    size_t written = chibo__v1__meeting__pack(m, buffer);
    free(buffer);
    return written;
}

size_t bench_meeting_pack_into(uint8_t *out, size_t capacity) {
    const Chibo__V1__Meeting *m = the_meeting();
    if (chibo__v1__meeting__get_packed_size(m) > capacity) return 0;
    return chibo__v1__meeting__pack(m, out);
}

int bench_meeting_unpack(const uint8_t *data, size_t length) {
    Chibo__V1__Meeting *m = chibo__v1__meeting__unpack(NULL, length, data);
    if (!m) return -1;
    chibo__v1__meeting__free_unpacked(m, NULL);
    return 0;
}

size_t bench_meeting_repack(const uint8_t *data, size_t length, uint8_t *out, size_t capacity) {
    Chibo__V1__Meeting *m = chibo__v1__meeting__unpack(NULL, length, data);
    if (!m) return 0;
    size_t written = 0;
    if (chibo__v1__meeting__get_packed_size(m) <= capacity) written = chibo__v1__meeting__pack(m, out);
    chibo__v1__meeting__free_unpacked(m, NULL);
    return written;
}
