namespace Duban.Features.Proposals;

/// <summary>
/// The proposals' settings (<c>Duban:Proposals</c>): the units that are the bodies' proposals offices, the
/// period in which a host may object to an assignment, and the members' duty list with its grades. Unset
/// lists take the defaults below (a list bound from configuration replaces them whole).
/// </summary>
public sealed class ProposalOptions
{
    public const string Section = "Duban:Proposals";

    /// <summary>The congress's proposals office (人大常委会代表工作机构).</summary>
    public string NpcOffice { get; set; } = "4407-rd";

    /// <summary>The CPPCC's proposals office (政协提案委员会).</summary>
    public string CppccOffice { get; set; } = "4407-zx";

    /// <summary>Days after the assignment in which the host may object to it (as a return, 退回).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 60)]
    public int ObjectionDays { get; set; } = 10;

    /// <summary>
    /// The demo loads the 2025 session's proposals with their whole life (some 750 steps, the figures' records); the
    /// registers, the offices' accounts and the members' activities are loaded either way.
    /// </summary>
    public bool DemoSession { get; set; } = true;

    /// <summary>The largest PDF a reply may carry (答复函), in bytes: 10 MB by default, 1 KB to 25 MB (Kestrel takes 30,000,000 a request).</summary>
    [System.ComponentModel.DataAnnotations.Range(1024, 25 * 1024 * 1024)]
    public int ReplyDocumentMaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>The duty list (委员履职清单); null: <see cref="DefaultDuties"/>, the sixteen of the seeds.</summary>
    public List<DutyDefinition>? Duties { get; set; }

    /// <summary>The grades by the lowest score each takes, highest first; null: <see cref="DefaultGrades"/>.</summary>
    public List<GradeDefinition>? Grades { get; set; }

    public string OfficeOf(string body) => body == Bodies.Npc ? NpcOffice : CppccOffice;

    public string? BodyOfOffice(string unitCode) => unitCode == NpcOffice ? Bodies.Npc : unitCode == CppccOffice ? Bodies.Cppcc : null;

    public IReadOnlyList<DutyDefinition> DutyList => Duties is { Count: > 0 } d ? d : DefaultDuties;

    public IReadOnlyList<GradeDefinition> GradeList => (Grades is { Count: > 0 } g ? g : DefaultGrades).OrderByDescending(x => x.MinScore).ToList();

    /// <summary>
    /// The sixteen duties (江门市政协 2025: 修订委员考评办法、履职清单，明确16项履职任务). Each counts records of one
    /// source, <see cref="DutyDefinition.Points"/> each, at most <see cref="DutyDefinition.Max"/>.
    /// </summary>
    public static readonly IReadOnlyList<DutyDefinition> DefaultDuties =
    [
        new() { Key = "plenary", Name = "出席全体会议", NameEn = "Plenary sessions attended", Source = "activity:plenary", Points = 10, Max = 10 },
        new() { Key = "standing", Name = "出席常委会议", NameEn = "Standing committee meetings attended", Source = "activity:standing", Points = 4, Max = 8 },
        new() { Key = "committee", Name = "参加专委会活动", NameEn = "Committee activities", Source = "activity:committee", Points = 3, Max = 9 },
        new() { Key = "proposal_lead", Name = "提交个人提案", NameEn = "Proposals submitted", Source = "proposals:lead", Points = 4, Max = 12 },
        new() { Key = "proposal_accepted", Name = "提案立案", NameEn = "Proposals accepted", Source = "proposals:accepted", Points = 6, Max = 18 },
        new() { Key = "proposal_cosigned", Name = "联名提案", NameEn = "Proposals co-signed", Source = "proposals:cosigned", Points = 1, Max = 4 },
        new() { Key = "opinion", Name = "报送社情民意信息", NameEn = "Social-opinion items submitted", Source = "opinions:submitted", Points = 2, Max = 8 },
        new() { Key = "opinion_adopted", Name = "社情民意信息被采用", NameEn = "Social-opinion items adopted", Source = "opinions:adopted", Points = 5, Max = 15 },
        new() { Key = "research", Name = "参加重点调研协商", NameEn = "Key research and consultation", Source = "consultations:topic", Points = 4, Max = 12 },
        new() { Key = "consultation", Name = "参加协商活动", NameEn = "Consultation events", Source = "consultations:event", Points = 3, Max = 9 },
        new() { Key = "speech", Name = "大会发言", NameEn = "Speeches at sessions", Source = "activity:speech", Points = 5, Max = 10 },
        new() { Key = "lecture", Name = "委员讲堂、委员通道主讲", NameEn = "Members' lectures", Source = "activity:lecture", Points = 4, Max = 8 },
        new() { Key = "supervision", Name = "参与督查、听证", NameEn = "Supervision and hearings", Source = "activity:supervision", Points = 3, Max = 6 },
        new() { Key = "inspection", Name = "参加视察考察", NameEn = "Inspections and visits", Source = "activity:inspection", Points = 2, Max = 6 },
        new() { Key = "study", Name = "参加学习培训", NameEn = "Study and training", Source = "activity:study", Points = 2, Max = 6 },
        new() { Key = "constituency", Name = "联系界别群众", NameEn = "Contact with the sector", Source = "activity:constituency", Points = 2, Max = 6 },
    ];

    /// <summary>优秀 from 60 points, 称职 from 40, 基本称职 from 20, 不称职 below.</summary>
    public static readonly IReadOnlyList<GradeDefinition> DefaultGrades =
    [
        new() { Key = "excellent", Name = "优秀", NameEn = "Excellent", MinScore = 60 },
        new() { Key = "competent", Name = "称职", NameEn = "Competent", MinScore = 40 },
        new() { Key = "basic", Name = "基本称职", NameEn = "Basically competent", MinScore = 20 },
        new() { Key = "incompetent", Name = "不称职", NameEn = "Not competent", MinScore = 0 },
    ];
}

/// <summary>
/// One duty: what it counts (<c>proposals:lead</c>, <c>proposals:accepted</c>, <c>proposals:cosigned</c>,
/// <c>opinions:submitted</c>, <c>opinions:adopted</c> (social-opinion items and reports, adopted ones including those
/// forwarded), <c>consultations:topic</c>, <c>consultations:event</c> (the activities the member took part in), or
/// <c>activity:&lt;kind&gt;</c> for the member's recorded activities of that kind), points per record, at most <see cref="Max"/>.
/// </summary>
public sealed class DutyDefinition
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public string? NameEn { get; set; }
    public string Source { get; set; } = "";
    public double Points { get; set; }
    public double? Max { get; set; }
}

public sealed class GradeDefinition
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public string? NameEn { get; set; }
    public double MinScore { get; set; }
}
