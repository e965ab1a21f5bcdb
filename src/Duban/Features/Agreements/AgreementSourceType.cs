using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Sources;
using Duban.Features.Units;

namespace Duban.Features.Agreements;

/// <summary>A commitment as checked.</summary>
public sealed record CommitmentInput(string Field, string PartyUnitCode, string Title, string DueDate);

/// <summary>An agreement's fields as checked.</summary>
public sealed record AgreementFields(string SignedOn, IReadOnlyList<string> Parties, IReadOnlyList<CommitmentInput> Commitments);

/// <summary>
/// The <c>agreement</c> source type (Features/Sources' registration point): reads and checks <c>parties</c>,
/// <c>signedOn</c> and <c>commitments</c> of <c>POST /api/v1/sources</c>, each refusal a 400 naming the field; each
/// commitment becomes an item of the source (a task for the committed party, due on its date), and the agreement's
/// rows record its parties and which field and party each item is, in the source's own audited change.
/// </summary>
public sealed class AgreementSourceType(DubanDb db, UnitDirectory units, TimeProvider time) : ISourceType
{
    public string Type => AgreementVocabulary.Type;

    public const int MaxParties = 20;

    public async Task<Result<SourceTypePart>> CheckAsync(CreateSourceRequest request, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Items is { Length: > 0 }) return Error.Validation("items: an agreement's items are its commitments / 协议的事项即其承诺事项，请填写 commitments");
        var read = await ReadAsync(request.Extra ?? [], ct);
        if (!read.IsSuccess) return read.Error!;
        var f = read.Value!;
        var items = f.Commitments.Select(c => new SourceItemInput(c.Title, null, c.PartyUnitCode, null, c.DueDate)).ToList();
        return new SourceTypePart(Describe(f), (source, _) =>
        {
            Record(source, f);
            return Task.CompletedTask;
        })
        { Items = items };
    }

    /// <summary>The agreement's rows: its parties, and each commitment against the item (matter) it became, in order.</summary>
    private void Record(Source source, AgreementFields f)
    {
        db.Set<Agreement>().Add(new Agreement { SourceId = source.Id, SignedOn = f.SignedOn });
        for (var i = 0; i < f.Parties.Count; i++) db.Set<AgreementParty>().Add(new AgreementParty { AgreementId = source.Id, Seq = i + 1, UnitCode = f.Parties[i] });
        // The items were linked just before (numbered 1… in the commitments' order): the agreement has no items of its own.
        var linked = db.Set<SourceItem>().Local.Where(i => i.SourceId == source.Id).OrderBy(i => i.Seq).ToList();
        for (var i = 0; i < f.Commitments.Count; i++)
        {
            db.Set<AgreementCommitment>().Add(new AgreementCommitment
            {
                MatterId = linked[i].MatterId,
                AgreementId = source.Id,
                Field = f.Commitments[i].Field,
                PartyUnitCode = f.Commitments[i].PartyUnitCode,
            });
        }
    }

    public async Task<Result<AgreementFields>> ReadAsync(IReadOnlyDictionary<string, JsonElement> extra, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(extra);
        var today = Clock.ChinaDate(time.Now());
        if (Day(extra, "signedOn") is not { } signedOn || signedOn > today)
            return Error.Validation("signedOn is required, a date not after today, yyyy-MM-dd / 请填写签署日期（yyyy-MM-dd，不晚于今天）");

        if (!extra.TryGetValue("parties", out var given) || given.ValueKind != JsonValueKind.Array || given.GetArrayLength() is < 2 or > MaxParties)
            return Error.Validation($"parties must list 2 to {MaxParties} unit codes / 协议各方应为2至{MaxParties}个单位");
        var parties = new List<string>();
        var n = 0;
        foreach (var p in given.EnumerateArray())
        {
            var code = p.ValueKind == JsonValueKind.String ? Text.OrNull(p.GetString()) : null;
            if (code is null || await units.FindAsync(code, ct) is null) return Error.Validation($"parties[{n}]: unit {code} does not exist / 单位 {code} 不存在");
            if (parties.Contains(code)) return Error.Validation($"parties[{n}]: {code} is named twice / 协议方 {code} 重复");
            parties.Add(code);
            n++;
        }

        if (!extra.TryGetValue("commitments", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is < 1 or > SourceChanges.MaxItems)
            return Error.Validation($"commitments must list 1 to {SourceChanges.MaxItems} commitments / 请填写承诺事项（1至{SourceChanges.MaxItems}项）");
        var commitments = new List<CommitmentInput>();
        var i = 0;
        foreach (var c in list.EnumerateArray())
        {
            var f = $"commitments[{i}].";
            if (c.ValueKind != JsonValueKind.Object) return Error.Validation($"commitments[{i}] must be an object / 承诺事项格式不正确");
            var props = c.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.OrdinalIgnoreCase);
            var field = Str(props, "field");
            if (!AgreementVocabulary.IsField(field))
                return Error.Validation($"{f}field must be one of {string.Join(", ", AgreementVocabulary.Fields.Select(x => x.Code))} / 合作领域应为产业协同、科技交流、乡村振兴、人才协作或公共服务");
            var party = Str(props, "partyUnitCode");
            if (party is null || await units.FindAsync(party, ct) is null) return Error.Validation($"{f}partyUnitCode: unit {party} does not exist / 单位 {party} 不存在");
            if (!parties.Contains(party)) return Error.Validation($"{f}partyUnitCode: {party} is not a party to the agreement / {party} 不是协议方");
            var title = Str(props, "title");
            if (title is null || title.Length > 200 || Text.HasControlCharacters(title)) return Error.Validation($"{f}title is required, at most 200 characters / 请填写承诺事项（不超过200字）");
            if (Day(props, "dueDate") is not { } due || due < today) return Error.Validation($"{f}dueDate is required, a date not before today, yyyy-MM-dd / 完成时限应为不早于今天的日期");
            commitments.Add(new CommitmentInput(field!, party, title, Iso(due)));
            i++;
        }
        return new AgreementFields(Iso(signedOn), parties, commitments);
    }

    private static string? Str(IReadOnlyDictionary<string, JsonElement> extra, string field) =>
        extra.TryGetValue(field, out var v) && v.ValueKind == JsonValueKind.String ? Text.OrNull(v.GetString()) : null;

    private static DateOnly? Day(IReadOnlyDictionary<string, JsonElement> extra, string field) =>
        Str(extra, field) is { } s && DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d.Year is > 1900 and < 9999 ? d : null;

    private static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static JsonObject Describe(AgreementFields f) => new()
    {
        ["signedOn"] = f.SignedOn,
        ["parties"] = new JsonArray([.. f.Parties.Select(p => JsonValue.Create(p))]),
        ["commitments"] = new JsonArray([.. f.Commitments.Select(c => (JsonNode)new JsonObject { ["field"] = c.Field, ["party"] = c.PartyUnitCode, ["dueDate"] = c.DueDate })]),
    };
}
