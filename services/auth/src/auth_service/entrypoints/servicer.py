"""fileuploader.auth.v1.AuthService over grpc.aio: requests in, use cases called, responses out."""

import asyncio
from typing import Any

import grpc

from auth_service.domain.model import AccountFileList
from auth_service.entrypoints import convert
from auth_service.entrypoints.errors import AUTH_ERRORS
from auth_service.service import AuthService
from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc
from fileuploader_runtime.error_info import Refusal
from fileuploader_runtime.request_ids import accepted_or_new, bind_request_id

Context = grpc.aio.ServicerContext[Any, Any]


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, service: AuthService) -> None:
        self._service = service

    async def Register(self, request: auth_pb2.RegisterRequest, context: Context) -> auth_pb2.IssuedToken:
        async with AUTH_ERRORS.aborting_on_error(context, "Register"):
            kind = convert.token_kind_from_pb(request.token_kind)
            issued = await self._service.register(request.username, request.password, kind)
            return convert.issued_token_to_pb(issued)

    async def Login(self, request: auth_pb2.LoginRequest, context: Context) -> auth_pb2.IssuedToken:
        async with AUTH_ERRORS.aborting_on_error(context, "Login"):
            kind = convert.token_kind_from_pb(request.token_kind)
            issued = await self._service.login(request.username, request.password, kind)
            return convert.issued_token_to_pb(issued)

    async def RefreshToken(
        self, request: auth_pb2.RefreshTokenRequest, context: Context
    ) -> auth_pb2.IssuedToken:
        async with AUTH_ERRORS.aborting_on_error(context, "RefreshToken"):
            return convert.issued_token_to_pb(await self._service.refresh_token(request.access_token))

    async def Logout(self, request: auth_pb2.LogoutRequest, context: Context) -> auth_pb2.LogoutResponse:
        async with AUTH_ERRORS.aborting_on_error(context, "Logout"):
            await self._service.logout(request.access_token)
            return auth_pb2.LogoutResponse()

    async def ValidateToken(
        self, request: auth_pb2.ValidateTokenRequest, context: Context
    ) -> auth_pb2.ValidateTokenResponse:
        async with AUTH_ERRORS.aborting_on_error(context, "ValidateToken"):
            return convert.validated_token_to_pb(await self._service.validate_token(request.access_token))

    async def ListAccountFiles(
        self, request: auth_pb2.ListAccountFilesRequest, context: Context
    ) -> auth_pb2.ListAccountFilesResponse:
        async with AUTH_ERRORS.aborting_on_error(context, "ListAccountFiles"):
            files = await self._service.list_account_files(request.access_token)
            return convert.account_file_list_to_pb(files)

    async def ListAccountFilesBatch(
        self, request: auth_pb2.ListAccountFilesBatchRequest, context: Context
    ) -> auth_pb2.ListAccountFilesBatchResponse:
        """Each listing in a task of its own, together: they share the look at the file events and the
        read."""
        async with AUTH_ERRORS.aborting_on_error(context, "ListAccountFilesBatch"):
            outcomes = await asyncio.gather(*map(self._list_batched, request.listings))
            return convert.listing_batch_to_pb(outcomes)

    async def _list_batched(self, listing: auth_pb2.BatchedListing) -> AccountFileList | Refusal:
        bind_request_id(accepted_or_new(listing.request_id))
        try:
            return await self._service.list_account_files(listing.access_token)
        except Exception as error:
            return AUTH_ERRORS.refusal_of(error, "ListAccountFiles")

    async def RecordAccountFile(
        self, request: auth_pb2.RecordAccountFileRequest, context: Context
    ) -> auth_pb2.RecordAccountFileResponse:
        async with AUTH_ERRORS.aborting_on_error(context, "RecordAccountFile"):
            uploaded = convert.file_uploaded_from_account_file_pb(request.file)
            await self._service.record_account_file(request.access_token, uploaded)
            return auth_pb2.RecordAccountFileResponse()

    async def RecordAccountFiles(
        self, request: auth_pb2.RecordAccountFilesRequest, context: Context
    ) -> auth_pb2.RecordAccountFilesResponse:
        async with AUTH_ERRORS.aborting_on_error(context, "RecordAccountFiles"):
            uploads = [convert.file_uploaded_from_account_file_pb(file) for file in request.files]
            await self._service.record_account_files(request.access_token, uploads)
            return auth_pb2.RecordAccountFilesResponse()

    async def CreateApiToken(
        self, request: auth_pb2.CreateApiTokenRequest, context: Context
    ) -> auth_pb2.CreateApiTokenResponse:
        async with AUTH_ERRORS.aborting_on_error(context, "CreateApiToken"):
            issued = await self._service.create_api_token(
                request.access_token, request.name, request.expires_in_seconds
            )
            return convert.issued_api_token_to_pb(issued)

    async def ListApiTokens(
        self, request: auth_pb2.ListApiTokensRequest, context: Context
    ) -> auth_pb2.ListApiTokensResponse:
        async with AUTH_ERRORS.aborting_on_error(context, "ListApiTokens"):
            tokens = await self._service.list_api_tokens(request.access_token)
            return auth_pb2.ListApiTokensResponse(tokens=[convert.api_token_to_pb(token) for token in tokens])

    async def RevokeApiToken(
        self, request: auth_pb2.RevokeApiTokenRequest, context: Context
    ) -> auth_pb2.RevokeApiTokenResponse:
        async with AUTH_ERRORS.aborting_on_error(context, "RevokeApiToken"):
            await self._service.revoke_api_token(request.access_token, request.token_id)
            return auth_pb2.RevokeApiTokenResponse()

    async def ChangePassword(
        self, request: auth_pb2.ChangePasswordRequest, context: Context
    ) -> auth_pb2.ChangePasswordResponse:
        async with AUTH_ERRORS.aborting_on_error(context, "ChangePassword"):
            revoked = await self._service.change_password(
                request.access_token, request.old_password, request.new_password
            )
            return auth_pb2.ChangePasswordResponse(revoked_tokens=revoked)

    async def StartAccountDeletion(
        self, request: auth_pb2.StartAccountDeletionRequest, context: Context
    ) -> auth_pb2.StartAccountDeletionResponse:
        async with AUTH_ERRORS.aborting_on_error(context, "StartAccountDeletion"):
            account_id = await self._service.start_account_deletion(request.access_token, request.password)
            return auth_pb2.StartAccountDeletionResponse(account_id=account_id)

    async def FinishAccountDeletion(
        self, request: auth_pb2.FinishAccountDeletionRequest, context: Context
    ) -> auth_pb2.FinishAccountDeletionResponse:
        async with AUTH_ERRORS.aborting_on_error(context, "FinishAccountDeletion"):
            await self._service.finish_account_deletion(request.account_id)
            return auth_pb2.FinishAccountDeletionResponse()
