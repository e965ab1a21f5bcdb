using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Sources;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Agreements;

/// <summary>A commitment: its field and party, and the item (matter) it became with its status, light and progress.</summary>
public sealed record CommitmentView(long MatterId, string Number, string Field, string FieldLabel, UnitRef Party, string Title, string? DueDate,
    string Status, string? Light, int Progress, bool Overdue);

/// <summary>Progress of a group of commitments (a party's or a field's): how many, how many finished, how many overdue, the weighted progress.</summary>
public sealed record CommitmentTally(int Commitments, int Finished, int Overdue, int Progress);

public sealed record PartyProgress(UnitRef Party, CommitmentTally Tally);

public sealed record FieldProgress(string Field, string Label, CommitmentTally Tally);

/// <summary>
/// GET /api/v1/agreements/{id}: the agreement, its progress by party and by field, and its commitments. <see cref="Sight"/>
/// is the source's: <c>whole</c>, or <c>own</c> for a party that sees only the commitments it owes.
/// </summary>
public sealed record AgreementView(long Id, string Title, string SignedOn, UnitRef Owner, string Status, string? Light, int Progress, string Sight,
    IReadOnlyList<UnitRef> Parties, IReadOnlyList<PartyProgress> ByParty, IReadOnlyList<FieldProgress> ByField, IReadOnlyList<CommitmentView> Commitments);

/// <summary>The agreement's page. Who sees it is its source's rule (<see cref="SourceAccess"/>): a party holding commitments sees its own.</summary>
public sealed class AgreementQueries(DubanDb db, SourceQueries sources, UnitDirectory units)
{
    public const string NotFoundText = "协议不存在，或您无权查看 / agreement not found";

    public async Task<Result<AgreementView>> GetAsync(long id, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var a = await db.Set<Agreement>().AsNoTracking().FirstOrDefaultAsync(x => x.SourceId == id, ct);
        if (a is null) return Error.NotFound(NotFoundText);
        var source = await sources.GetAsync(id, actor, ct);
        if (!source.IsSuccess) return Error.NotFound(NotFoundText);
        var s = source.Value!;
        var all = await units.AllAsync(ct);
        UnitRef Unit(string code) => new(code, all.TryGetValue(code, out var u) ? u.Name : code);
        var parties = await db.Set<AgreementParty>().AsNoTracking().Where(p => p.AgreementId == id).OrderBy(p => p.Seq).Select(p => p.UnitCode).ToListAsync(ct);
        var marks = await db.Set<AgreementCommitment>().AsNoTracking().Where(c => c.AgreementId == id).ToDictionaryAsync(c => c.MatterId, ct);
        // The items the reader sees (all, or a party's own), each with the field and party its commitment names.
        var commitments = s.Items.Where(i => marks.ContainsKey(i.MatterId)).Select(i => (Item: i, Mark: marks[i.MatterId])).ToList();
        var views = commitments.Select(c => new CommitmentView(c.Item.MatterId, c.Item.Number, c.Mark.Field, AgreementVocabulary.Label(c.Mark.Field).Current,
            Unit(c.Mark.PartyUnitCode), c.Item.Title, c.Item.DueDate, c.Item.Status, c.Item.Light, c.Item.Progress, c.Item.Overdue)).ToList();
        var seenParties = s.Sight == "whole" ? parties : [.. parties.Where(p => commitments.Any(c => c.Mark.PartyUnitCode == p))];
        var byParty = seenParties.Select(p => new PartyProgress(Unit(p), Tally([.. commitments.Where(c => c.Mark.PartyUnitCode == p).Select(c => c.Item)]))).ToList();
        var byField = AgreementVocabulary.Fields.Select(f => new FieldProgress(f.Code, f.Label.Current, Tally([.. commitments.Where(c => c.Mark.Field == f.Code).Select(c => c.Item)]))).ToList();
        return new AgreementView(id, s.Title, a.SignedOn, s.Owner, s.Status, s.Light, s.Progress, s.Sight, [.. seenParties.Select(Unit)], byParty, byField, views);
    }

    /// <summary>A group's tally; its progress weighted as the source's (<see cref="SourceQueries.Progress"/>).</summary>
    public static CommitmentTally Tally(IReadOnlyCollection<SourceItemView> items) =>
        new(items.Count, items.Count(i => Status.Finished.Contains(i.Status)), items.Count(i => i.Overdue), SourceQueries.Progress(items));
}
