using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters;

/// <summary>
/// A task (交办事项, kind <c>task</c>) made by a step rather than registered: a matter's sub-task, a
/// source's item (a meeting's decision, a leader's instruction). It is born dispatched to its units,
/// its clock started under <paramref name="Policy"/> with the deadline given. Where it stands, what it
/// is about and whether it is confidential are the caller's to say.
/// </summary>
public sealed record NewTask(string Title, string Content, string Channel, IReadOnlyList<Assignment> Assignments, TimePolicy Policy, DateTimeOffset DueAt)
{
    public string? Location { get; init; }
    public string? TerritoryCode { get; init; }
    public string? Category { get; init; }
    public string Urgency { get; init; } = "normal";
    public string? SubjectUnitCode { get; init; }
    public string? SubjectPerson { get; init; }
    public bool Confidential { get; init; }
    public long? ParentId { get; init; }
    public int Weight { get; init; } = 1;
}

public static class NewTasks
{
    /// <summary>
    /// The task as a matter, with the id and number allocated for it (<see cref="RegisterNumbers"/>), ready to add
    /// to the context: its facets known (it has none yet), its clock running. Its first event is the caller's to append.
    /// </summary>
    public static Matter Create(MatterClock clock, RegisterNumbers.Allocated number, Actor actor, DateTimeOffset now, NewTask t)
    {
        var task = new Matter
        {
            Id = number.Id,
            Number = number.Number,
            Kind = "task",
            Channel = t.Channel,
            Title = t.Title,
            Content = t.Content,
            Location = t.Location,
            Category = t.Category,
            Urgency = t.Urgency,
            ReceivedAt = now,
            RegisteredAt = now,
            RegisteredBy = actor.Id,
            RaiserAnonymous = true,
            SubjectUnitCode = t.SubjectUnitCode,
            SubjectPerson = t.SubjectPerson,
            Confidential = t.Confidential,
            Status = Status.Dispatched,
            LeadUnitCode = t.Assignments[0].UnitCode,
            ParentId = t.ParentId,
            Weight = t.Weight,
            UpdatedAt = now,
            Version = 1,
        };
        task.SetTerritory(t.TerritoryCode);
        task.Assignments.AddRange(t.Assignments);
        task.Facets.MarkNew();
        clock.Register(task);
        clock.Start(task, t.Policy, now, t.DueAt, t.Assignments);
        clock.Refresh(task);
        return task;
    }
}
