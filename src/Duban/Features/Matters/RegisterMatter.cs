using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Attachments;
using Duban.Features.Audit;
using Duban.Features.Geo;
using Duban.Features.Sealing;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters;

public sealed record RaiserInput(string? Name, string? Phone);

/// <summary>A matter as it arrives: from staff, from the public portal, from a meeting.</summary>
public sealed record RegisterCommand(
    string? Kind, string? Channel, string? Title, string? Content, string? Location = null, string? Category = null,
    string? Urgency = null, DateTimeOffset? ReceivedAt = null, bool Anonymous = false, RaiserInput? Raiser = null,
    string? SubjectUnitCode = null, string? SubjectPerson = null, bool? Confidential = null, string? TerritoryCode = null);

public sealed record Registered(Matter Matter, string? QueryCode, bool Replayed);

/// <summary>
/// How a registration's territory (属地) was set: <c>given</c> by the registrar, <c>resolved</c> from
/// the location, title or content, the <c>registrar</c>'s own territory (staff below the city whose
/// text names no place of theirs), <c>withheld</c> (a confidential report whose subject is not yet
/// known: the place found is only <c>suggested</c>), or <c>none</c>. Recorded in the register event.
/// </summary>
public sealed record TerritoryChoice(string? Code, string Source, double? Confidence, string? Suggested = null)
{
    public JsonObject ToJson() => new() { ["code"] = Code, ["source"] = Source, ["confidence"] = Confidence, ["suggested"] = Suggested };
}

/// <summary>A validated registration waiting to be written, alone or in a batch.</summary>
/// <param name="Photos">Checked and stripped (<see cref="Attachments.Photos"/>), stored with the matter in its transaction.</param>
/// <param name="Alongside">A door's own rows, made from the new matter and inserted in its transaction (see <see cref="RegisterMatter.ExecuteAsync(RegisterCommand, Actor, IReadOnlyList{PhotoUpload}?, Func{Matter, IEnumerable{object}}, CancellationToken)"/>).</param>
public sealed record PreparedRegistration(RegisterCommand Command, Actor Actor, bool IssueQueryCode, DateTimeOffset Now, string Scope,
    string? IdempotencyKey, string RequestHash, TerritoryChoice Territory, IReadOnlyList<Photo>? Photos = null,
    Func<Matter, IEnumerable<object>>? Alongside = null);

/// <summary>
/// Registers a matter (受理登记): validates it, numbers it (JM-2026-000123), seals the raiser's
/// identity, and appends the first event, in one transaction. An Idempotency-Key makes a
/// repeated request return the first result instead of a second matter.
/// </summary>
/// <param name="batcher">Groups concurrent registrations into one commit; null writes each alone (demo seeding on its own clock).</param>
/// <param name="geo">Resolves the territory from the text when none is given (microseconds, before the transaction).</param>
/// <param name="photoOptions">How many photos and how large (Duban:Attachments); the defaults without it.</param>
/// <param name="channels">
/// Every registered channel: a module's door (Open311) registers on its own channel, which no account may name
/// (<see cref="ValidateAsync"/>); without it, only the core's channels.
/// </param>
public sealed class RegisterMatter(DubanDb db, AuditLog audit, TimeProvider time, Sealer sealer, UnitDirectory units, RegisterNumbers numbers,
    MatterScope scopeRules, GeoService geo, IntakeBatcher? batcher, MatterClock clock, MatterKinds kinds,
    Microsoft.Extensions.Options.IOptions<AttachmentOptions>? photoOptions = null, MatterChannels? channels = null)
{
    /// <summary>The kinds of matter, and what each is (public, confidential by default…).</summary>
    public MatterKinds Kinds => kinds;

    /// <summary>The event each matter's chain begins with.</summary>
    public const string EventName = "register";

    public Task<Result<Registered>> ExecuteAsync(RegisterCommand cmd, Actor actor, bool issueQueryCode,
        string? idempotencyKey = null, CancellationToken ct = default) =>
        ExecuteAsync(cmd, actor, issueQueryCode, idempotencyKey, photos: null, ct);

    /// <summary>
    /// Registers a matter with its photos (a citizen's report from the portal): they are checked
    /// with the rest of the request and written in the registration's own transaction, their hashes
    /// in its register event; a repeat with the same Idempotency-Key stores nothing again.
    /// </summary>
    public Task<Result<Registered>> ExecuteAsync(RegisterCommand cmd, Actor actor, bool issueQueryCode,
        string? idempotencyKey, IReadOnlyList<PhotoUpload>? photos, CancellationToken ct = default) =>
        RegisterAsync(cmd, actor, issueQueryCode, idempotencyKey, photos, null, ct);

    /// <summary>
    /// Registers a matter that a door brought (no query code, no Idempotency-Key) with the door's own rows about
    /// it (<paramref name="alongside"/>: mapped entities made from the new matter), inserted in the registration's
    /// transaction. The e-mail intake's record of the message (Features/MailIntake) is one: its unique key makes a
    /// second registration of the same message fail whole, so that a crash between the matter and the door's record
    /// cannot register twice. Such a registration is written alone (as one with photos), so that its refusal never
    /// fails a batch's neighbours; the unique key it breaks is thrown (DbUpdateException or DbException) for the door
    /// to answer.
    /// </summary>
    public Task<Result<Registered>> ExecuteAsync(RegisterCommand cmd, Actor actor, IReadOnlyList<PhotoUpload>? photos,
        Func<Matter, IEnumerable<object>> alongside, CancellationToken ct = default) =>
        RegisterAsync(cmd, actor, issueQueryCode: false, idempotencyKey: null, photos, alongside, ct);

    /// <summary>
    /// Registers a matter that staff brought to the desk with files already checked by the door (a letter's scanned
    /// pages: <see cref="StaffFiles.Check"/>, PDFs and photos), stored in the registration's transaction and listed in
    /// its register event as <c>attachments</c>; and the door's own rows (<paramref name="alongside"/>), as above.
    /// </summary>
    public Task<Result<Registered>> ExecuteAsync(RegisterCommand cmd, Actor actor, bool issueQueryCode, string? idempotencyKey,
        IReadOnlyList<Photo> checkedFiles, Func<Matter, IEnumerable<object>>? alongside, CancellationToken ct = default) =>
        RegisterAsync(cmd, actor, issueQueryCode, idempotencyKey, null, alongside, ct, checkedFiles);

    private async Task<Result<Registered>> RegisterAsync(RegisterCommand cmd, Actor actor, bool issueQueryCode,
        string? idempotencyKey, IReadOnlyList<PhotoUpload>? photos, Func<Matter, IEnumerable<object>>? alongside, CancellationToken ct,
        IReadOnlyList<Photo>? checkedFiles = null)
    {
        var now = time.Now();
        // Staff below the city register within their own territory, so that what they register stays in their view.
        var ownTerritory = actor.Id is not null && actor.TerritoryCode.Length > 0 && !scopeRules.IsCityWide(actor)
            ? MatterScope.TerritoryPrefix(actor.TerritoryCode) : null;
        if (ownTerritory is not null && cmd.TerritoryCode is not null && !cmd.TerritoryCode.StartsWith(ownTerritory, StringComparison.Ordinal))
            return Error.Validation($"territoryCode {cmd.TerritoryCode} lies outside your territory {actor.TerritoryCode} / 只能登记本辖区事项");
        var invalid = await ValidateAsync(cmd, actor, now, ct);
        var (checkedPhotos, photoProblems) = checkedFiles is null ? Attachments.Photos.Check(photos, photoOptions?.Value ?? new AttachmentOptions()) : (checkedFiles, []);
        if (photoProblems.Count > 0) return Error.Validation(string.Join("; ", invalid is null ? photoProblems : [invalid.Message, .. photoProblems]));
        if (invalid is not null) return invalid;
        var territory = ChooseTerritory(cmd, actor, ownTerritory);
        if (idempotencyKey is { Length: > 200 }) return Error.Validation("Idempotency-Key is at most 200 characters");

        var requestHash = idempotencyKey is null ? "" : RequestHash(cmd, checkedPhotos);
        // Staff keys are per account. The public shares no account, so a public key counts only
        // together with the request itself: a stranger who reuses or guesses a citizen's key
        // makes a new report (or, with the very same text, name and phone, gets the very same
        // receipt back) and never learns another citizen's receipt or query code.
        string scope;
        if (actor.Id is { } uid)
        {
            scope = "user:" + uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            if (idempotencyKey is { Length: < 16 }) return Error.Validation("a public Idempotency-Key has at least 16 characters (a random UUID, say)");
            scope = "public:" + requestHash;
        }
        if (idempotencyKey is not null)
        {
            var replay = await ReplayAsync(scope, idempotencyKey, requestHash, ct);
            if (replay is not null) return replay.Value;
        }

        // A kind confidential by default (举报) is registered so unless staff said otherwise.
        cmd = cmd with { Confidential = cmd.Confidential ?? kinds.ConfidentialByDefault(cmd.Kind) };
        var item = new PreparedRegistration(cmd, actor, issueQueryCode, now, scope, idempotencyKey, requestHash, territory, checkedPhotos, alongside);
        try
        {
            // Megabytes of photos do not join a group commit (one command of up to 64 × 15 MB): such a
            // registration is written alone, in a transaction of its own as every other.
            return batcher is null || checkedPhotos.Count > 0 || alongside is not null
                ? (await WriteAsync(db, audit, numbers, sealer, clock, [item], ct))[0] ?? throw new IdempotencyKeyTaken()
                : await batcher.SubmitAsync(item, ct);
        }
        catch (Exception ex) when (idempotencyKey is not null && ex is DbUpdateException or System.Data.Common.DbException or IdempotencyKeyTaken)
        {
            // Two requests with one key at the same moment: the other committed first; answer as it did.
            db.ChangeTracker.Clear();
            var replay = await ReplayAsync(scope, idempotencyKey, requestHash, ct);
            if (replay is not null) return replay.Value;
            throw;
        }
    }

    /// <summary>
    /// Writes registrations in one transaction: ids, then the Idempotency-Keys claimed, then the
    /// numbers; each matter with its sealed raiser, its first event and its idempotency record, and
    /// its lane's head, all sent as one command (<see cref="SqlBatch"/>), one commit.
    /// Without a batcher a request is a batch of one; the <see cref="IntakeBatcher"/> groups
    /// requests that arrive together, so they share one durable commit.
    /// A registration whose Idempotency-Key is already taken (by another node a moment ago, or earlier in
    /// this batch) is left out and answered null: the caller answers it as the key's first request did
    /// (<see cref="IdempotencyKeyTaken"/>). No lock excludes the other nodes any more (docs/adr/0006):
    /// the keys are claimed first, by an insert that skips the keys already stored (and waits for a key
    /// another transaction is inserting, then skips it if that one commits), so a key sent to two nodes at
    /// once costs only its own request, never its batch's neighbours, and never a number.
    /// </summary>
    internal static async Task<IReadOnlyList<Registered?>> WriteAsync(DubanDb db, AuditLog audit, RegisterNumbers numbers, Sealer sealer,
        MatterClock clock, IReadOnlyList<PreparedRegistration> all, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var ids = await numbers.IdsAsync(all.Count, ct);
        var codes = all.Select(i => i.IssueQueryCode ? NewQueryCode() : null).ToArray();
        var written = await ClaimKeysAsync(db, sealer, all, ids, codes, ct);
        var answers = new Registered?[all.Count];
        if (written.Count == 0)
        {
            await tx.CommitAsync(ct);
            return answers;
        }
        var items = written.Select(i => all[i]).ToList();
        // The audit lane, its anchors and the events' numbers before the year's counter, not under it.
        await audit.PrepareAsync(items.Count, ct);
        // The year's number last: the one row every registering transaction on every node takes, held
        // from here for the in-memory chaining, one batch command and the commit only.
        var allocatedNumbers = await numbers.NumbersAsync(items[0].Now, items.Count, ct);
        var results = new List<Registered>(items.Count);
        var matters = new List<Matter>(items.Count);
        var events = new List<MatterEvent>(items.Count);
        var attachments = new List<Attachment>();
        var alongsideRows = new List<object>();
        for (var i = 0; i < items.Count; i++)
        {
            var (cmd, actor, issueQueryCode, now, scope, idempotencyKey, requestHash, territory, photos, alongside) = items[i];
            var (id, number) = (ids[written[i]], allocatedNumbers[i]);
            var kind = cmd.Kind!;
            var matter = new Matter
            {
                Id = id,
                Number = number,
                Kind = kind,
                Channel = cmd.Channel!,
                Title = cmd.Title!.Trim(),
                Content = cmd.Content!.Trim(),
                Location = Text.OrNull(cmd.Location),
                Category = Text.OrNull(cmd.Category),
                Urgency = cmd.Urgency ?? "normal",
                ReceivedAt = cmd.ReceivedAt is { } r ? Clock.Normalize(r.ToUniversalTime()) : now,
                RegisteredAt = now,
                RegisteredBy = actor.Id,
                RaiserAnonymous = cmd.Anonymous,
                SubjectUnitCode = Text.OrNull(cmd.SubjectUnitCode),
                SubjectPerson = Text.OrNull(cmd.SubjectPerson),
                // A report (举报) is confidential unless the registrar says otherwise: the reporter is protected by default.
                Confidential = cmd.Confidential ?? false,
                Status = Status.Received,
                UpdatedAt = now,
                Version = 1,
            };
            matter.SetTerritory(territory.Code);
            clock.Register(matter);
            matter.Facets.MarkNew();
            clock.Refresh(matter);
            if (!cmd.Anonymous && cmd.Raiser is { } raiser)
            {
                var identity = JsonSerializer.Serialize(new RaiserInput(Text.OrNull(raiser.Name), Text.OrNull(raiser.Phone)));
                matter.RaiserSealed = sealer.Seal(identity, RaiserContext(number));
            }
            var queryCode = codes[written[i]];
            if (queryCode is not null) matter.QueryCodeHash = QueryCodeHash(number, queryCode);
            matters.Add(matter);

            var data = MatterWorkflow.Snapshot(matter, clock.Facets);
            data["kind"] = matter.Kind;
            data["channel"] = matter.Channel;
            data["confidential"] = matter.Confidential;
            data["raiser"] = matter.RaiserAnonymous ? "anonymous" : matter.RaiserSealed is null ? "none" : "sealed";
            var eventData = new JsonObject { ["after"] = data, ["territory"] = territory.ToJson() };
            if (photos is { Count: > 0 })
            {
                // The chain covers the photos: each one's hash, type and size (not its name, which the registrar chose).
                // Files staff attached at the desk (a letter's scanned pages, StaffFiles) are listed as `attachments`.
                eventData[photos[0].Action is null ? "photos" : "attachments"] = new JsonArray([.. photos.Select(p => (JsonNode)new JsonObject
                {
                    ["sha256"] = p.Sha256, ["contentType"] = p.ContentType, ["size"] = p.Content.Length,
                })]);
                attachments.AddRange(photos.Select(p => new Attachment
                {
                    MatterId = id,
                    FileName = p.FileName,
                    ContentType = p.ContentType,
                    Size = p.Content.Length,
                    Sha256 = p.Sha256,
                    Content = p.Content,
                    CreatedAt = now,
                    CreatedBy = actor.Id,
                    Action = p.Action,
                    IdentifiesRaiser = p.IdentifiesRaiser,
                }));
            }
            events.Add(await audit.ChainAsync(matter, actor, EventName, null, matter.Status, null, eventData, ct));
            results.Add(new Registered(matter, queryCode, false));
            if (alongside is not null) alongsideRows.AddRange(alongside(matter));
        }
        var batch = new SqlBatch(db).Insert(matters).Insert(events).Insert(attachments).InsertEach(alongsideRows);
        Search.MatterSearch.Append(batch, db.IsPostgres, matters);
        audit.SaveHead(batch);
        await batch.ExecuteAsync(ct);
        await tx.CommitAsync(ct);
        for (var i = 0; i < written.Count; i++) answers[written[i]] = results[i];
        return answers;
    }

    /// <summary>
    /// The positions of the registrations to write: those without an Idempotency-Key, and those whose key
    /// this transaction has just stored (its record answering with the matter's id and query code). A key
    /// stored already, or by a transaction that commits while this one waits for it, or used earlier in the
    /// batch, is skipped (ON CONFLICT DO NOTHING), never an error. Keys are inserted in one order (scope,
    /// key) on every node, so two batches holding the same two keys never wait for each other in a circle.
    /// </summary>
    private static async Task<List<int>> ClaimKeysAsync(DubanDb db, Sealer sealer, IReadOnlyList<PreparedRegistration> items,
        IReadOnlyList<long> ids, string?[] codes, CancellationToken ct)
    {
        var first = new Dictionary<(string Scope, string Key), int>();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].IdempotencyKey is { } key) first.TryAdd((items[i].Scope, key), i);
        }
        var claimed = new HashSet<int>();
        if (first.Count > 0)
        {
            var ordered = first.OrderBy(x => x.Key.Scope, StringComparer.Ordinal).ThenBy(x => x.Key.Key, StringComparer.Ordinal).ToList();
            var sql = new StringBuilder("INSERT INTO idempotency (scope, key, request_hash, matter_id, response_sealed, created_at) VALUES ");
            var args = new List<object?>(ordered.Count * 6);
            foreach (var ((scope, key), i) in ordered)
            {
                var response = JsonSerializer.Serialize(new StoredResponse(ids[i], codes[i]));
                if (args.Count > 0) sql.Append(", ");
                sql.Append(System.Globalization.CultureInfo.InvariantCulture, $"(@p{args.Count}, @p{args.Count + 1}, @p{args.Count + 2}, @p{args.Count + 3}, @p{args.Count + 4}, @p{args.Count + 5})");
                args.AddRange([scope, key, items[i].RequestHash, ids[i], sealer.Seal(response, "idempotency:" + scope + ":" + key),
                    db.IsPostgres ? items[i].Now : items[i].Now.ToUnixTimeMilliseconds()]);
            }
            sql.Append(" ON CONFLICT (scope, key) DO NOTHING RETURNING scope, key");
            await using var cmd = Sql.Command(db, sql.ToString(), [.. args]);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) claimed.Add(first[(reader.GetString(0), reader.GetString(1))]);
        }
        return [.. Enumerable.Range(0, items.Count).Where(i => items[i].IdempotencyKey is null || claimed.Contains(i))];
    }

    internal sealed record StoredResponse(long MatterId, string? QueryCode);

    /// <summary>A registration left out of its batch because its Idempotency-Key was taken: answered by replaying the key's first answer.</summary>
    internal sealed class IdempotencyKeyTaken() : Exception("the Idempotency-Key was taken by a registration committed just before");

    /// <summary>
    /// 属地: the code given; else what the location names, or the title or content inside the home
    /// city (<see cref="GeoService.ResolveTerritory"/>). Staff below the city keep a resolved place only inside their territory
    /// (<paramref name="ownTerritory"/>, a prefix); otherwise the matter takes their territory, as
    /// it did before places were resolved.
    /// </summary>
    private TerritoryChoice ChooseTerritory(RegisterCommand cmd, Actor actor, string? ownTerritory)
    {
        if (cmd.TerritoryCode is { } given) return new TerritoryChoice(given, "given", null);
        var found = geo.ResolveTerritory(cmd.Location, cmd.Title, cmd.Content);
        // A place puts a matter in view of that county's and town's staff. A confidential report
        // whose subject is not known yet may be about them (举报台山市某领导): until a city dispatcher
        // has classified it, the place found is only a suggestion in the event.
        if (found.Code is { } suggested && ownTerritory is null && (cmd.Confidential ?? kinds.ConfidentialByDefault(cmd.Kind)) && Text.OrNull(cmd.SubjectUnitCode) is null)
            return new TerritoryChoice(null, "withheld", Math.Round(found.Confidence, 3), suggested);
        if (found.Code is { } code && (ownTerritory is null || code.StartsWith(ownTerritory, StringComparison.Ordinal)))
            return new TerritoryChoice(code, "resolved", Math.Round(found.Confidence, 3));
        return ownTerritory is not null ? new TerritoryChoice(actor.TerritoryCode, "registrar", null) : new TerritoryChoice(null, "none", null);
    }

    private async Task<Result<Registered>?> ReplayAsync(string scope, string key, string requestHash, CancellationToken ct)
    {
        var record = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Scope == scope && r.Key == key, ct);
        if (record is null) return null;
        if (record.RequestHash != requestHash)
        {
            return Error.Conflict("idempotency_key_reused", "该 Idempotency-Key 已用于另一份不同的请求 / this Idempotency-Key was used for a different request");
        }
        var opened = sealer.Open(record.ResponseSealed, "idempotency:" + scope + ":" + key);
        var stored = opened is null ? null : JsonSerializer.Deserialize<StoredResponse>(opened);
        var matter = await db.Matters.AsNoTracking().Include(m => m.Assignments).FirstAsync(m => m.Id == record.MatterId, ct);
        return new Registered(matter, stored?.QueryCode, true);
    }

    private async Task<Error?> ValidateAsync(RegisterCommand c, Actor actor, DateTimeOffset now, CancellationToken ct)
    {
        var problems = new List<string>();
        if (!kinds.IsKind(c.Kind)) problems.Add($"kind must be one of {string.Join(", ", kinds.All.Select(k => k.Kind))}");
        // Staff name one of the core's channels; a module's door (no account: Open311's clients) registers on its own.
        var doorChannel = actor.Id is null && channels is not null && channels.IsChannel(c.Channel);
        if (c.Channel is null || !(Vocabulary.Channels.Contains(c.Channel) || doorChannel)) problems.Add($"channel must be one of {string.Join(", ", Vocabulary.Channels)}");
        if (string.IsNullOrWhiteSpace(c.Title) || c.Title.Trim().Length > 200) problems.Add("title is required, at most 200 characters / 标题必填，不超过200字");
        if (Text.HasControlCharacters(c.Title, c.Content, c.Location, c.Category, c.Raiser?.Name, c.Raiser?.Phone, c.SubjectPerson, c.SubjectUnitCode, c.TerritoryCode))
            problems.Add("text may not contain control characters / 文本含有非法控制字符");
        if (string.IsNullOrWhiteSpace(c.Content) || c.Content.Length > 20_000) problems.Add("content is required, at most 20000 characters / 内容必填，不超过20000字");
        if (c.Location is { Length: > 500 }) problems.Add("location is at most 500 characters");
        if (c.Category is { Length: > 100 }) problems.Add("category is at most 100 characters");
        if (c.Urgency is not null && !Vocabulary.Urgencies.Contains(c.Urgency)) problems.Add("urgency must be normal, urgent or emergency");
        if (c.ReceivedAt is { } received && (received > now.AddMinutes(5) || received < now.AddYears(-5)))
            problems.Add("receivedAt must not lie in the future nor more than five years back / 收件时间不能晚于现在");
        if (c.Anonymous && c.Raiser is not null && (c.Raiser.Name is not null || c.Raiser.Phone is not null))
            problems.Add("an anonymous matter carries no raiser / 匿名事项不应填写姓名电话");
        if (c.Raiser?.Name is { Length: > 50 }) problems.Add("raiser name is at most 50 characters");
        if (c.Raiser?.Phone is { } phone && !IsPhone(phone)) problems.Add("raiser phone must be 5–20 digits (spaces, +, - allowed) / 电话号码格式不正确");
        if (c.TerritoryCode is { } t && !(t.Length is 6 or 9 or 12 && t.All(char.IsAsciiDigit))) problems.Add("territoryCode must be a 6, 9 or 12 digit division code");
        else if (c.TerritoryCode is { } code && geo.Gazetteer.Divisions.Find(code) <= 0)
            problems.Add($"territoryCode {code} is not a known division / 行政区划代码 {code} 不存在");
        if (c.SubjectPerson is { Length: > 100 }) problems.Add("subjectPerson is at most 100 characters");
        if (c.SubjectUnitCode is { } s && await units.FindAsync(s, ct) is null) problems.Add($"subjectUnitCode {s} is not a known unit");
        return problems.Count == 0 ? null : Error.Validation(string.Join("; ", problems));
    }

    private static bool IsPhone(string phone)
    {
        var digits = phone.Count(char.IsAsciiDigit);
        return digits is >= 5 and <= 20 && phone.All(ch => char.IsAsciiDigit(ch) || ch is ' ' or '+' or '-');
    }

    public static string RaiserContext(string number) => "raiser:" + number;

    /// <summary>Keyed: the request carries the raiser's name and phone (see <see cref="Sealer.Fingerprint"/>).</summary>
    /// <remarks>With photos, their hashes count too: the same key with other photos is another request.</remarks>
    private string RequestHash(RegisterCommand cmd, IReadOnlyList<Photo> photos) =>
        sealer.Fingerprint(photos.Count == 0 ? JsonSerializer.Serialize(cmd) : JsonSerializer.Serialize(cmd) + "\nphotos:" + string.Join(",", photos.Select(p => p.Sha256)));

    private static string NewQueryCode() => RandomNumberGenerator.GetString("23456789ABCDEFGHJKMNPQRSTUVWXYZ", 8);

    /// <summary>The code is never stored; its hash is bound to the receipt number.</summary>
    public static string QueryCodeHash(string number, string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(number + ":" + code.Trim().ToUpperInvariant())));
}
