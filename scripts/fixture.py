#!/usr/bin/env python3
"""AWS fixture for the local moto stand-in (see scripts/backend.sh).

    fixture.py apply    create what is missing (idempotent), print one summary line
    fixture.py check    exit 0 if everything exists and the job queues are usable
    fixture.py job-ids  print the ID of every Batch job moto knows (one a line)

Talks to AWS_ENDPOINT_URL (default http://127.0.0.1:5001) with the dummy credentials from
`backend.sh env`. Needs boto3 (moto ships it). Never point this at a real AWS account: it refuses
any endpoint that is not on localhost.
"""

from __future__ import annotations

import json
import os
import sys
import time
from urllib.parse import urlparse

import boto3
from botocore.exceptions import ClientError

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:5001")
REGION = os.environ.get("AWS_REGION", "us-east-1")

JOB_ROLE = "batch-runner-job-role"
EXECUTION_ROLE = "batch-runner-execution-role"
SERVICE_ROLE = "batch-runner-service-role"
INSTANCE_ROLE = "batch-runner-instance-role"
INSTANCE_PROFILE = "batch-runner-instance-profile"
VPC_NAME = "batch-runner-vpc"
SUBNET_NAME = "batch-runner-subnet"
SG_NAME = "batch-runner-sg"
CE_EC2 = "research-ec2"
CE_FARGATE = "research-fargate"
QUEUES = [
    ("research-queue", 10, [CE_EC2]),
    ("priority-queue", 100, [CE_FARGATE, CE_EC2]),
]
BUCKET = "batch-runner-results"
ECR_REPO = "batch-runner-demo"

created: list[str] = []


def client(service: str):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
    )


def trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def ensure_role(iam, name: str, service: str) -> str:
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchEntity":
            raise
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(service))["Role"]["Arn"]
    created.append(f"role {name}")
    return arn


def ensure_instance_profile(iam) -> str:
    try:
        profile = iam.get_instance_profile(InstanceProfileName=INSTANCE_PROFILE)["InstanceProfile"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchEntity":
            raise
        profile = iam.create_instance_profile(InstanceProfileName=INSTANCE_PROFILE)["InstanceProfile"]
        created.append(f"instance profile {INSTANCE_PROFILE}")
    if not any(r["RoleName"] == INSTANCE_ROLE for r in profile.get("Roles", [])):
        iam.add_role_to_instance_profile(InstanceProfileName=INSTANCE_PROFILE, RoleName=INSTANCE_ROLE)
    return profile["Arn"]


def by_name_tag(items: list[dict], name: str) -> dict | None:
    for item in items:
        for tag in item.get("Tags", []) or []:
            if tag["Key"] == "Name" and tag["Value"] == name:
                return item
    return None


def ensure_network(ec2) -> tuple[str, str]:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [VPC_NAME]}])["Vpcs"]
    vpc = by_name_tag(vpcs, VPC_NAME)
    if vpc is None:
        vpc = ec2.create_vpc(
            CidrBlock="10.42.0.0/16",
            TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": VPC_NAME}]}],
        )["Vpc"]
        created.append(f"vpc {VPC_NAME}")
    vpc_id = vpc["VpcId"]

    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    subnet = by_name_tag(subnets, SUBNET_NAME)
    if subnet is None:
        subnet = ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock="10.42.1.0/24",
            AvailabilityZone=f"{REGION}a",
            TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": SUBNET_NAME}]}],
        )["Subnet"]
        created.append(f"subnet {SUBNET_NAME}")

    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": [SG_NAME]},
        ]
    )["SecurityGroups"]
    if groups:
        sg_id = groups[0]["GroupId"]
    else:
        sg_id = ec2.create_security_group(
            GroupName=SG_NAME, Description="AWS Batch Runner local stand-in", VpcId=vpc_id
        )["GroupId"]
        created.append(f"security group {SG_NAME}")
    return subnet["SubnetId"], sg_id


def compute_envs(batch, names: list[str]) -> dict[str, dict]:
    found = batch.describe_compute_environments(computeEnvironments=names)["computeEnvironments"]
    return {ce["computeEnvironmentName"]: ce for ce in found}


def job_queues(batch, names: list[str]) -> dict[str, dict]:
    found = batch.describe_job_queues(jobQueues=names)["jobQueues"]
    return {q["jobQueueName"]: q for q in found}


def apply() -> None:
    iam, ec2, batch = client("iam"), client("ec2"), client("batch")
    s3, ecr = client("s3"), client("ecr")

    ensure_role(iam, JOB_ROLE, "ecs-tasks.amazonaws.com")
    ensure_role(iam, EXECUTION_ROLE, "ecs-tasks.amazonaws.com")
    service_role = ensure_role(iam, SERVICE_ROLE, "batch.amazonaws.com")
    ensure_role(iam, INSTANCE_ROLE, "ec2.amazonaws.com")
    instance_profile = ensure_instance_profile(iam)
    subnet_id, sg_id = ensure_network(ec2)

    existing = compute_envs(batch, [CE_EC2, CE_FARGATE])
    if CE_EC2 not in existing:
        batch.create_compute_environment(
            computeEnvironmentName=CE_EC2,
            type="MANAGED",
            state="ENABLED",
            serviceRole=service_role,
            computeResources={
                "type": "EC2",
                "minvCpus": 0,
                "desiredvCpus": 0,
                "maxvCpus": 64,
                "instanceTypes": ["optimal"],
                "subnets": [subnet_id],
                "securityGroupIds": [sg_id],
                "instanceRole": instance_profile,
            },
        )
        created.append(f"compute env {CE_EC2}")
    if CE_FARGATE not in existing:
        batch.create_compute_environment(
            computeEnvironmentName=CE_FARGATE,
            type="MANAGED",
            state="ENABLED",
            serviceRole=service_role,
            computeResources={
                "type": "FARGATE",
                "maxvCpus": 16,
                "subnets": [subnet_id],
                "securityGroupIds": [sg_id],
            },
        )
        created.append(f"compute env {CE_FARGATE}")

    queues = job_queues(batch, [q[0] for q in QUEUES])
    for name, priority, order in QUEUES:
        if name in queues:
            continue
        batch.create_job_queue(
            jobQueueName=name,
            state="ENABLED",
            priority=priority,
            computeEnvironmentOrder=[{"order": i + 1, "computeEnvironment": ce} for i, ce in enumerate(order)],
        )
        created.append(f"job queue {name}")

    try:
        s3.head_bucket(Bucket=BUCKET)
    except ClientError:
        s3.create_bucket(Bucket=BUCKET)
        created.append(f"bucket {BUCKET}")

    try:
        ecr.describe_repositories(repositoryNames=[ECR_REPO])
    except ClientError as e:
        if e.response["Error"]["Code"] != "RepositoryNotFoundException":
            raise
        ecr.create_repository(repositoryName=ECR_REPO)
        created.append(f"ECR repository {ECR_REPO}")

    # queues become VALID at once in moto; wait briefly in case that ever changes
    deadline = time.time() + 10
    while not check(batch) and time.time() < deadline:
        time.sleep(0.5)
    if not check(batch):
        raise SystemExit("fixture: created, but the check fails (see fixture.py check)")

    what = (
        f"compute envs {CE_EC2} (MANAGED EC2), {CE_FARGATE} (MANAGED FARGATE); "
        f"queues {', '.join(q[0] for q in QUEUES)}; bucket {BUCKET}; ECR {ECR_REPO}"
    )
    if created:
        print(f"fixture: ready, created {len(created)} resource(s): {what}")
    else:
        print(f"fixture: ready, nothing to create: {what}")


def check(batch=None) -> bool:
    batch = batch or client("batch")
    ces = compute_envs(batch, [CE_EC2, CE_FARGATE])
    if set(ces) != {CE_EC2, CE_FARGATE}:
        return False
    if any(ce.get("state") != "ENABLED" or ce.get("status") != "VALID" for ce in ces.values()):
        return False
    queues = job_queues(batch, [q[0] for q in QUEUES])
    if set(queues) != {q[0] for q in QUEUES}:
        return False
    if any(q.get("state") != "ENABLED" or q.get("status") != "VALID" for q in queues.values()):
        return False
    try:
        client("s3").head_bucket(Bucket=BUCKET)
        client("ecr").describe_repositories(repositoryNames=[ECR_REPO])
    except ClientError:
        return False
    return True


def job_ids() -> None:
    batch = client("batch")
    ids: set[str] = set()
    for queue in batch.describe_job_queues()["jobQueues"]:
        for status in ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED"):
            token = None
            while True:
                kwargs = {"jobQueue": queue["jobQueueArn"], "jobStatus": status}
                if token:
                    kwargs["nextToken"] = token
                page = batch.list_jobs(**kwargs)
                ids.update(j["jobId"] for j in page.get("jobSummaryList", []))
                token = page.get("nextToken")
                if not token:
                    break
    for i in sorted(ids):
        print(i)


def main() -> int:
    host = urlparse(ENDPOINT).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"fixture.py: refusing to touch non-local endpoint {ENDPOINT}", file=sys.stderr)
        return 2
    cmd = sys.argv[1] if len(sys.argv) > 1 else "apply"
    if cmd == "apply":
        apply()
    elif cmd == "check":
        return 0 if check() else 1
    elif cmd == "job-ids":
        job_ids()
    else:
        print("usage: fixture.py apply|check|job-ids", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
