using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Toolkit.Testing;

/// <summary>
/// A fake clock (on <see cref="FakeTimeProvider"/>) that knows the timers waiting on it, so a test can run code that waits on it
/// to completion by moving the clock to each next timer's due time instead of sleeping: <see cref="DriveAsync{T}"/>.
/// </summary>
public sealed class DrivenClock(DateTimeOffset start) : TimeProvider
{
    private readonly ConcurrentDictionary<TrackedTimer, DateTimeOffset> _pending = new();

    public FakeTimeProvider Fake { get; } = new(start);

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    /// <summary>Timers armed now.</summary>
    public int PendingTimers => _pending.Count;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new TrackedTimer(this);
        timer.Inner = Fake.CreateTimer(
            s =>
            {
                _pending.TryRemove(timer, out _);
                callback(s);
            },
            state,
            dueTime,
            period);
        timer.Arm(dueTime);
        return timer;
    }

    /// <summary>
    /// Runs until <paramref name="task"/> ends: whenever timers wait, after a moment of real time for work in flight, the clock
    /// moves to the earliest due time (by at most <paramref name="maxStep"/>). With <paramref name="sleepers"/>, it moves only
    /// while at least that many timers wait (e.g. one per image still waited for), so no clock step lands in the middle of a
    /// request. Fails when the clock passes <paramref name="limit"/>.
    /// </summary>
    public async Task<T> DriveAsync<T>(Task<T> task, TimeSpan? maxStep = null, TimeSpan? limit = null, Func<int>? sleepers = null)
    {
        var end = GetUtcNow() + (limit ?? TimeSpan.FromHours(2));
        while (!task.IsCompleted)
        {
            await Task.WhenAny(task, Task.Delay(3));
            if (task.IsCompleted || _pending.IsEmpty || _pending.Count < (sleepers?.Invoke() ?? 1))
            {
                continue;
            }

            var now = GetUtcNow();
            var step = _pending.Values.DefaultIfEmpty(now).Min() - now;
            if (step < TimeSpan.FromMilliseconds(1))
            {
                step = TimeSpan.FromMilliseconds(1);
            }

            if (maxStep is { } max && step > max)
            {
                step = max;
            }

            Fake.Advance(step);
            if (GetUtcNow() > end)
            {
                throw new TimeoutException($"The driven code was still running at {GetUtcNow():O}.");
            }
        }

        return await task;
    }

    private sealed class TrackedTimer(DrivenClock clock) : ITimer
    {
        public ITimer Inner { get; set; } = null!;

        public void Arm(TimeSpan dueTime)
        {
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                clock._pending.TryRemove(this, out _);
            }
            else
            {
                clock._pending[this] = clock.GetUtcNow() + dueTime;
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Arm(dueTime);
            return Inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            clock._pending.TryRemove(this, out _);
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            clock._pending.TryRemove(this, out _);
            return Inner.DisposeAsync();
        }
    }
}
