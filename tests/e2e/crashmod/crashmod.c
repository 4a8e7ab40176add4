// SPDX-License-Identifier: GPL-2.0
/*
 * crashmod - make a real kernel crash on demand, for oopsd's end-to-end
 * tests.  The stock Debian kernel has no LKDTM, so this tiny out-of-tree
 * module stands in for it.
 *
 *   echo warn     > /sys/module/crashmod/parameters/trigger   WARNING
 *   echo bug      > ...                 kernel BUG in a kthread (oops)
 *   echo null     > ...                 NULL dereference in a kthread (oops)
 *   echo panic    > ...                 panic()
 *   echo lockup   > ...                 soft lockup in a kthread
 *   echo hung     > ...                 hung task (kthread in D state)
 *
 * The oopses happen in a kthread so that the writer (often PID 1 of a test
 * initramfs) survives them; the kthread dies and the system keeps running.
 * The same words can be given at load time: `modprobe crashmod trigger=bug`.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/bug.h>

static unsigned int crashmod_lockup_secs = 30;
module_param_named(lockup_secs, crashmod_lockup_secs, uint, 0644);
MODULE_PARM_DESC(lockup_secs, "how long the lockup/hung kthreads hold on");

struct crashmod_victim {
	int field;
};

/* Noinline functions give each crash its own, stable guilty frame. */
static noinline int crashmod_do_bug(void *unused)
{
	BUG();
	return 0;
}

static noinline int crashmod_do_null(void *unused)
{
	struct crashmod_victim *volatile v = NULL;

	/* The read faults: BUG: kernel NULL pointer dereference. */
	return v->field;
}

static noinline void crashmod_do_warn(void)
{
	WARN(1, "crashmod: warning requested");
}

static noinline int crashmod_do_lockup(void *unused)
{
	unsigned long end = jiffies + crashmod_lockup_secs * HZ;

	/* Spin with preemption off so the soft lockup watchdog fires. */
	preempt_disable();
	while (time_before(jiffies, end))
		cpu_relax();
	preempt_enable();
	return 0;
}

static noinline int crashmod_do_hung(void *unused)
{
	/* Uninterruptible sleep longer than hung_task_timeout_secs. */
	set_current_state(TASK_UNINTERRUPTIBLE);
	schedule_timeout(crashmod_lockup_secs * HZ);
	return 0;
}

static int crashmod_spawn(int (*fn)(void *), const char *name)
{
	struct task_struct *t = kthread_run(fn, NULL, "%s", name);

	return IS_ERR(t) ? PTR_ERR(t) : 0;
}

static int crashmod_trigger_set(const char *val, const struct kernel_param *kp)
{
	char what[16];

	strscpy(what, val, sizeof(what));
	strim(what);
	if (!strcmp(what, "warn")) {
		crashmod_do_warn();
		return 0;
	}
	if (!strcmp(what, "bug"))
		return crashmod_spawn(crashmod_do_bug, "crashmod_bug");
	if (!strcmp(what, "null"))
		return crashmod_spawn(crashmod_do_null, "crashmod_null");
	if (!strcmp(what, "lockup"))
		return crashmod_spawn(crashmod_do_lockup, "crashmod_lockup");
	if (!strcmp(what, "hung"))
		return crashmod_spawn(crashmod_do_hung, "crashmod_hung");
	if (!strcmp(what, "panic"))
		panic("crashmod: panic requested");
	if (!strcmp(what, "") || !strcmp(what, "none"))
		return 0;
	return -EINVAL;
}

static const struct kernel_param_ops crashmod_trigger_ops = {
	.set = crashmod_trigger_set,
	.get = NULL,
};
module_param_cb(trigger, &crashmod_trigger_ops, NULL, 0200);
MODULE_PARM_DESC(trigger, "warn, bug, null, panic, lockup or hung");

MODULE_DESCRIPTION("Trigger kernel crashes on demand (oopsd tests)");
MODULE_LICENSE("GPL");
