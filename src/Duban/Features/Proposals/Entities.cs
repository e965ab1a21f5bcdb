using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Proposals;

/// <summary>The two bodies whose members make proposals: the people's congress (人大) and the CPPCC (政协).</summary>
public static class Bodies
{
    public const string Npc = "npc";
    public const string Cppcc = "cppcc";

    public static readonly IReadOnlyList<string> All = [Npc, Cppcc];

    public static bool IsBody(string? body) => body is Npc or Cppcc;

    /// <summary>The kind of matter its members' proposals are: 人大代表建议 or 政协提案.</summary>
    public static string KindOf(string body) => body == Npc ? "deputy_suggestion" : "cppcc_proposal";

    public static string? BodyOf(string kind) => kind switch
    {
        "deputy_suggestion" => Npc,
        "cppcc_proposal" => Cppcc,
        _ => null,
    };

    public static Bilingual Label(string body) => body == Npc ? new("人大代表建议", "Deputies' suggestions") : new("政协提案", "CPPCC proposals");

    public static Bilingual MemberLabel(string body) => body == Npc ? new("人大代表", "Deputy") : new("政协委员", "CPPCC member");
}

/// <summary>A member of a body's register: a deputy (人大代表) or a CPPCC member (政协委员), for one term.</summary>
public sealed class Member
{
    public long Id { get; set; }
    public required string Body { get; set; }
    public required string Name { get; set; }
    /// <summary>A deputy's delegation (代表团).</summary>
    public string? Delegation { get; set; }
    /// <summary>A CPPCC member's sector (界别).</summary>
    public string? Sector { get; set; }
    /// <summary>The term (届次), e.g. 第十四届.</summary>
    public required string Term { get; set; }
    /// <summary>The member's account, by which they sign in to their own pages.</summary>
    public long? UserId { get; set; }
    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// A member's recorded part in the body's work (an event attended, a speech, a social-opinion item adopted):
/// the records the duty evaluation counts. Recorded by the office as they happen; never a score.
/// </summary>
public sealed class MemberActivity
{
    public long Id { get; set; }
    public long MemberId { get; set; }
    public int Year { get; set; }
    public required string Kind { get; set; }
    public required string Title { get; set; }
    /// <summary>yyyy-MM-dd.</summary>
    public required string Day { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public long? RecordedBy { get; set; }
}

/// <summary>The states of a proposal's life (Features/Proposals/README.md).</summary>
public static class ProposalStatus
{
    public const string Submitted = "submitted";       // 已提交, waiting for the office's examination
    public const string NotAccepted = "not_accepted";  // 不予立案
    public const string Merged = "merged";             // 已并案
    public const string Assigned = "assigned";         // 已立案交办, the host handles it
    public const string Replied = "replied";           // 已答复, waiting for the proposer's evaluation
    public const string Rehandling = "rehandling";     // 重新办理, after a dissatisfied evaluation
    public const string Closed = "closed";             // 已办结

    public static string Chinese(string status) => status switch
    {
        Submitted => "已提交",
        NotAccepted => "不予立案",
        Merged => "已并案",
        Assigned => "已立案交办",
        Replied => "已答复",
        Rehandling => "重新办理",
        Closed => "已办结",
        _ => status,
    };

    public static string English(string status) => status switch
    {
        Submitted => "Submitted",
        NotAccepted => "Not accepted",
        Merged => "Merged",
        Assigned => "Accepted and assigned",
        Replied => "Replied",
        Rehandling => "Being handled again",
        Closed => "Closed",
        _ => status,
    };
}

/// <summary>A proposal's part of its matter: its number, its state in the proposals' life, the reply and its evaluation.</summary>
public sealed class Proposal
{
    public long MatterId { get; set; }
    public required string Body { get; set; }
    public int Year { get; set; }
    public int Seq { get; set; }
    public required string Number { get; set; }
    public required string Status { get; set; }
    public required string OfficeUnitCode { get; set; }
    public long? SubmittedBy { get; set; }
    /// <summary>When the office accepted it for the record (立案) and assigned it.</summary>
    public DateTimeOffset? AcceptedAt { get; set; }
    public string? HostUnitCode { get; set; }
    /// <summary>The host's objection to the assignment, waiting for the office's review.</summary>
    public string? Objection { get; set; }
    public string? ReplyCategory { get; set; }
    public string? ReplyText { get; set; }
    public string? ReplySignedBy { get; set; }
    public DateTimeOffset? RepliedAt { get; set; }
    /// <summary>Whether the first reply came within the deadline the assignment set.</summary>
    public bool? FirstReplyOnTime { get; set; }
    public string? Rating { get; set; }
    public string? Comment { get; set; }
    public DateTimeOffset? EvaluatedAt { get; set; }
    public int RehandlingCount { get; set; }
    /// <summary>The co-hosts' opinions sent to the host, as JSON [{unit, text, at}].</summary>
    public string? Opinions { get; set; }
    /// <summary>When the office published it with its reply (公开), or null.</summary>
    public DateTimeOffset? PublishedAt { get; set; }
    /// <summary>
    /// The SHA-256 of the PDF the latest reply carried (答复函, schema 0036), its bytes an attachment of the matter
    /// (<c>attachments</c>); null when that reply had none.
    /// </summary>
    public string? ReplyDocumentSha256 { get; set; }
}

/// <summary>A proposer of a proposal: the lead (seq 0) and the co-signers (联名), in order.</summary>
public sealed class ProposalProposer
{
    public long MatterId { get; set; }
    public long MemberId { get; set; }
    public int Seq { get; set; }
}

internal sealed class MemberConfiguration : IEntityTypeConfiguration<Member>
{
    public void Configure(EntityTypeBuilder<Member> e)
    {
        e.ToTable("members");
        e.HasOne<Data.User>().WithMany().HasForeignKey(x => x.UserId);
    }
}

internal sealed class MemberActivityConfiguration : IEntityTypeConfiguration<MemberActivity>
{
    public void Configure(EntityTypeBuilder<MemberActivity> e)
    {
        e.ToTable("member_activities");
        e.HasOne<Member>().WithMany().HasForeignKey(x => x.MemberId);
    }
}

internal sealed class ProposalConfiguration : IEntityTypeConfiguration<Proposal>
{
    public void Configure(EntityTypeBuilder<Proposal> e)
    {
        e.ToTable("proposals");
        e.HasKey(x => x.MatterId);
        e.Property(x => x.MatterId).ValueGeneratedNever();
        e.HasOne<Data.Matter>().WithMany().HasForeignKey(x => x.MatterId);
    }
}

internal sealed class ProposalProposerConfiguration : IEntityTypeConfiguration<ProposalProposer>
{
    public void Configure(EntityTypeBuilder<ProposalProposer> e)
    {
        e.ToTable("proposal_proposers");
        e.HasKey(x => new { x.MatterId, x.MemberId });
        e.HasOne<Data.Matter>().WithMany().HasForeignKey(x => x.MatterId);
        e.HasOne<Member>().WithMany().HasForeignKey(x => x.MemberId);
    }
}
